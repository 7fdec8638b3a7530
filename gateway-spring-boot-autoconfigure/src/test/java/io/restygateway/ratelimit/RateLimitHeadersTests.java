package io.restygateway.ratelimit;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import org.springframework.http.HttpHeaders;

import io.restygateway.ratelimit.Verdict.Outcome;
import io.restygateway.ratelimit.Verdict.Source;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The headers of a limited route's answers: the rate-limit headers on every decided answer, Retry-After in whole
 * seconds rounded up (at least 1) on a refusal, nothing but Retry-After when the rate-limit headers are off, and
 * nothing on a 503 (the store could not decide, so there is nothing to report).
 */
class RateLimitHeadersTests {

	private static final long MS = 1000;

	/** As the LeakyBucket filter makes them: limit burst + 1, the rate from T. */
	private static RateLimitHeaders leakyBucket(String rate, int burst, int cost) {
		LeakyBucketSettings settings = LeakyBucketSettings.of("z", rate, burst, "nodelay", cost, Duration.ZERO,
				"allow");
		return new RateLimitHeaders(settings.limit().burst() + 1L, 1_000_000.0 / settings.limit().interval(),
				settings.cost());
	}

	private static HttpHeaders write(RateLimitHeaders headers, Verdict verdict, boolean rateHeaders) {
		HttpHeaders written = new HttpHeaders();
		headers.write(verdict, written, rateHeaders);
		return written;
	}

	private static Verdict admitted(long remaining, long reset) {
		return new Verdict(Outcome.ADMITTED, 0, 0, remaining, reset, Source.REDIS);
	}

	private static Verdict rejected(long retryAfter, long reset) {
		return new Verdict(Outcome.REJECTED, 0, retryAfter, 0, reset, Source.REDIS);
	}

	@Test
	void anAdmittedRequestGetsTheRateLimitHeadersAndNoRetryAfter() {
		HttpHeaders headers = write(leakyBucket("10r/s", 5, 1), admitted(3, 400 * MS), true);
		assertThat(headers.getFirst("RateLimit-Limit")).isEqualTo("6");
		assertThat(headers.getFirst("RateLimit-Remaining")).isEqualTo("3");
		assertThat(headers.getFirst("RateLimit-Reset")).as("seconds, rounded up").isEqualTo("1");
		assertThat(headers.getFirst("X-RateLimit-Remaining")).isEqualTo("3");
		assertThat(headers.getFirst("X-RateLimit-Replenish-Rate")).isEqualTo("10");
		assertThat(headers.getFirst("X-RateLimit-Burst-Capacity")).isEqualTo("6");
		assertThat(headers.getFirst("X-RateLimit-Requested-Tokens")).isEqualTo("1");
		assertThat(headers.containsHeader(HttpHeaders.RETRY_AFTER)).isFalse();
		assertThat(headers.size()).isEqualTo(7);
	}

	@Test
	void aDelayedRequestGetsTheSameHeadersAsAnAdmittedOne() {
		Verdict delayed = new Verdict(Outcome.DELAYED, 200 * MS, 0, 2, 2_000_001, Source.MEMORY);
		HttpHeaders headers = write(leakyBucket("10r/s", 5, 1), delayed, true);
		assertThat(headers.getFirst("RateLimit-Remaining")).isEqualTo("2");
		assertThat(headers.getFirst("RateLimit-Reset")).isEqualTo("3");
		assertThat(headers.containsHeader(HttpHeaders.RETRY_AFTER)).isFalse();
	}

	@Test
	void aFullBucketResetsInZeroSeconds() {
		HttpHeaders headers = write(leakyBucket("10r/s", 5, 1), admitted(5, 0), true);
		assertThat(headers.getFirst("RateLimit-Reset")).isEqualTo("0");
	}

	@Test
	void aRejectedRequestGetsRetryAfterInWholeSecondsRoundedUp() {
		RateLimitHeaders limits = leakyBucket("10r/s", 5, 1);
		HttpHeaders headers = write(limits, rejected(100 * MS, 600 * MS), true);
		assertThat(headers.getFirst(HttpHeaders.RETRY_AFTER)).isEqualTo("1");
		assertThat(headers.getFirst("RateLimit-Remaining")).isEqualTo("0");
		assertThat(headers.getFirst("X-RateLimit-Remaining")).isEqualTo("0");
		assertThat(headers.getFirst("RateLimit-Reset")).isEqualTo("1");
		assertThat(headers.getFirst("RateLimit-Limit")).isEqualTo("6");
		assertThat(headers.size()).isEqualTo(8);
		assertThat(write(limits, rejected(1_000_000, 0), true).getFirst(HttpHeaders.RETRY_AFTER)).isEqualTo("1");
		assertThat(write(limits, rejected(1_000_001, 0), true).getFirst(HttpHeaders.RETRY_AFTER)).isEqualTo("2");
		assertThat(write(limits, rejected(60_000 * MS, 0), true).getFirst(HttpHeaders.RETRY_AFTER)).isEqualTo("60");
	}

	@Test
	void retryAfterIsAtLeastOneSecond() {
		RateLimitHeaders limits = leakyBucket("10r/s", 5, 1);
		assertThat(write(limits, rejected(1, 0), true).getFirst(HttpHeaders.RETRY_AFTER)).isEqualTo("1");
		// A refusal with no retry time (e.g. a cost that can never pass) still tells the client to wait.
		assertThat(write(limits, rejected(0, 0), true).getFirst(HttpHeaders.RETRY_AFTER)).isEqualTo("1");
	}

	@Test
	void anUnavailableStoreGetsNoRateLimitHeaders() {
		Verdict unavailable = new Verdict(Outcome.UNAVAILABLE, 0, 0, 0, 0, Source.NONE);
		assertThat(write(leakyBucket("10r/s", 5, 1), unavailable, true).isEmpty()).isTrue();
	}

	@Test
	void withoutRateLimitHeadersOnlyARefusalGetsRetryAfter() {
		RateLimitHeaders limits = leakyBucket("10r/s", 5, 1);
		assertThat(write(limits, admitted(3, 400 * MS), false).isEmpty()).isTrue();
		HttpHeaders refused = write(limits, rejected(1_500 * MS, 600 * MS), false);
		assertThat(refused.getFirst(HttpHeaders.RETRY_AFTER)).isEqualTo("2");
		assertThat(refused.size()).isEqualTo(1);
	}

	@Test
	void theReplenishRateIsRequestsPerSecondWithAtMostSixDecimals() {
		assertThat(write(leakyBucket("2r/m", 5, 1), admitted(5, 0), true).getFirst("X-RateLimit-Replenish-Rate"))
			.isEqualTo("0.033333");
		assertThat(write(leakyBucket("10r/s", 5, 1), admitted(5, 0), true).getFirst("X-RateLimit-Replenish-Rate"))
			.isEqualTo("10");
		assertThat(write(leakyBucket("2.5r/s", 5, 1), admitted(5, 0), true).getFirst("X-RateLimit-Replenish-Rate"))
			.isEqualTo("2.5");
		assertThat(write(leakyBucket("1r/m", 5, 1), admitted(5, 0), true).getFirst("X-RateLimit-Replenish-Rate"))
			.as("rounded half up")
			.isEqualTo("0.016667");
		RateLimitHeaders tokenBucket = new RateLimitHeaders(10,
				TokenBucketSettings.of(Duration.ofMillis(100), 10, 1, Duration.ZERO).ratePerSecond(), 1);
		assertThat(write(tokenBucket, admitted(9, 100 * MS), true).getFirst("X-RateLimit-Replenish-Rate"))
			.isEqualTo("10");
	}

	@Test
	void theCostIsTheRequestedTokens() {
		HttpHeaders headers = write(leakyBucket("10r/s", 5, 3), admitted(0, 600 * MS), true);
		assertThat(headers.getFirst("X-RateLimit-Requested-Tokens")).isEqualTo("3");
		assertThat(headers.getFirst("X-RateLimit-Burst-Capacity")).isEqualTo("6");
	}

}
