package io.restygateway.slice;

import java.time.Instant;

import org.junit.jupiter.api.Test;

import io.restygateway.slice.Preconditions.Outcome;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The conditional headers by RFC 9110 §13, with the spec's cases (ETag E, Last-Modified L) and the nginx bugs not to
 * repeat: trac #1357 (If-Range by date), weak ETags matching in If-Range, #1131 (If-Unmodified-Since without a date).
 */
class PreconditionsTests {

	static final String E = "\"5be17d33-10\"";

	static final String L = "Sun, 11 Nov 2018 10:00:51 GMT";

	static final Validators CURRENT = new Validators(E, Instant.parse("2018-11-11T10:00:51Z"));

	static Outcome evaluate(String ifMatch, String ifUnmodifiedSince, String ifNoneMatch, String ifModifiedSince) {
		return Preconditions.evaluate(ifMatch, ifUnmodifiedSince, ifNoneMatch, ifModifiedSince, CURRENT);
	}

	@Test
	void ifNoneMatchAndIfMatch() {
		assertThat(evaluate(null, null, E, null)).isEqualTo(Outcome.NOT_MODIFIED);
		assertThat(evaluate(null, null, "W/" + E, null)).as("weak comparison").isEqualTo(Outcome.NOT_MODIFIED);
		assertThat(evaluate(null, null, "\"bad\", " + E, null)).isEqualTo(Outcome.NOT_MODIFIED);
		assertThat(evaluate(null, null, "*", null)).isEqualTo(Outcome.NOT_MODIFIED);
		assertThat(evaluate(null, null, "\"bad\"", null)).isEqualTo(Outcome.PROCEED);
		assertThat(evaluate(E, null, null, null)).isEqualTo(Outcome.PROCEED);
		assertThat(evaluate("*", null, null, null)).isEqualTo(Outcome.PROCEED);
		assertThat(evaluate("\"bad\"", null, null, null)).isEqualTo(Outcome.PRECONDITION_FAILED);
		assertThat(evaluate("W/" + E, null, null, null)).as("strong comparison").isEqualTo(Outcome.PRECONDITION_FAILED);
	}

	@Test
	void datesAndTheirOrder() {
		assertThat(evaluate(null, null, null, L)).isEqualTo(Outcome.NOT_MODIFIED);
		assertThat(evaluate(null, null, null, "Sat, 10 Nov 2018 10:00:51 GMT")).isEqualTo(Outcome.PROCEED);
		assertThat(evaluate(null, null, null, "not a date")).isEqualTo(Outcome.PROCEED);
		assertThat(evaluate(null, "Sat, 10 Nov 2018 10:00:51 GMT", null, null)).isEqualTo(Outcome.PRECONDITION_FAILED);
		assertThat(evaluate(null, L, null, null)).isEqualTo(Outcome.PROCEED);
		// If-None-Match wins over If-Modified-Since; If-Match over If-Unmodified-Since.
		assertThat(evaluate(null, null, "\"bad\"", L)).isEqualTo(Outcome.PROCEED);
		assertThat(evaluate(E, "Sat, 10 Nov 2018 10:00:51 GMT", null, null)).isEqualTo(Outcome.PROCEED);
		// 412 comes before 304.
		assertThat(evaluate("\"bad\"", null, E, null)).isEqualTo(Outcome.PRECONDITION_FAILED);
	}

	@Test
	void ifUnmodifiedSinceIsIgnoredWithoutALastModified() {
		Validators noDate = new Validators(E, null);
		assertThat(Preconditions.evaluate(null, "Sat, 10 Nov 2018 10:00:51 GMT", null, null, noDate))
			.isEqualTo(Outcome.PROCEED);
	}

	@Test
	void ifRangeIsTrueOnlyForTheSameStrongETagOrExactlyTheSameDate() {
		assertThat(Preconditions.rangeApplies(null, CURRENT)).isTrue();
		assertThat(Preconditions.rangeApplies(E, CURRENT)).isTrue();
		assertThat(Preconditions.rangeApplies(L, CURRENT)).as("nginx trac #1357").isTrue();
		assertThat(Preconditions.rangeApplies("\"bad\"", CURRENT)).isFalse();
		assertThat(Preconditions.rangeApplies("W/" + E, CURRENT)).as("weak never matches").isFalse();
		assertThat(Preconditions.rangeApplies("Sun, 11 Nov 2018 10:00:52 GMT", CURRENT)).isFalse();
		assertThat(Preconditions.rangeApplies("garbage", CURRENT)).isFalse();
		assertThat(Preconditions.rangeApplies(E, new Validators("W/" + E, null))).isFalse();
		assertThat(Preconditions.rangeApplies(L, new Validators(E, null))).isFalse();
	}

}
