package io.restygateway.ratelimit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

import io.restygateway.ratelimit.Verdict.Outcome;
import io.restygateway.ratelimit.Verdict.Source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * The TokenBucket limiter on an injected clock: the spec's acceptance test 17 (interval 100 ms, capacity 10,
 * starting full) as the filter sees it, with max-wait, giving a token back, and the verdicts' remaining and reset.
 */
class TokenBucketLimiterTests {

	private static final long MS = 1000;

	private final AtomicLong nanos = new AtomicLong(3_000_000_000L);

	private final MicroClock clock = new MicroClock(this.nanos::get);

	private void advanceMillis(long millis) {
		this.nanos.addAndGet(millis * 1_000_000);
	}

	private TokenBucketLimiter limiter(long quantum, Duration maxWait) {
		return new TokenBucketLimiter(TokenBucketSettings.of(Duration.ofMillis(100), 10, quantum, maxWait),
				this.clock, 10_000);
	}

	private static List<Verdict> take(TokenBucketLimiter limiter, String key, int count) {
		List<Verdict> verdicts = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			verdicts.add(limiter.take(key));
		}
		return verdicts;
	}

	@Test
	void tenImmediateTakesThenTheEleventhWaitsOneInterval() {
		TokenBucketLimiter limiter = limiter(1, Duration.ofSeconds(10));
		List<Verdict> first = take(limiter, "client", 10);
		assertThat(first).extracting(Verdict::outcome).containsOnly(Outcome.ADMITTED);
		assertThat(first).extracting(Verdict::delay).containsOnly(0L);
		assertThat(first).extracting(Verdict::remaining).containsExactly(9L, 8L, 7L, 6L, 5L, 4L, 3L, 2L, 1L, 0L);
		// Full again after one interval per token taken.
		assertThat(first).extracting(Verdict::reset)
			.containsExactly(100 * MS, 200 * MS, 300 * MS, 400 * MS, 500 * MS, 600 * MS, 700 * MS, 800 * MS,
					900 * MS, 1000 * MS);
		assertThat(first).extracting(Verdict::source).containsOnly(Source.MEMORY);
		Verdict eleventh = limiter.take("client");
		assertThat(eleventh.outcome()).isEqualTo(Outcome.DELAYED);
		assertThat(eleventh.admitted()).isTrue();
		assertThat(eleventh.delay()).isEqualTo(100 * MS);
		assertThat(eleventh.retryAfter()).isZero();
		assertThat(eleventh.remaining()).as("a debt is no negative remaining").isZero();
		assertThat(eleventh.reset()).isEqualTo(1100 * MS);
		// Its debt makes the next one queue behind it.
		Verdict twelfth = limiter.take("client");
		assertThat(twelfth.outcome()).isEqualTo(Outcome.DELAYED);
		assertThat(twelfth.delay()).isEqualTo(200 * MS);
		assertThat(twelfth.reset()).isEqualTo(1200 * MS);
	}

	@Test
	void aWaitBeyondMaxWaitIsRejectedUntilTheWaitIsWithinIt() {
		TokenBucketLimiter limiter = limiter(1, Duration.ofMillis(30));
		take(limiter, "client", 10);
		Verdict rejected = limiter.take("client");
		assertThat(rejected.outcome()).isEqualTo(Outcome.REJECTED);
		assertThat(rejected.admitted()).isFalse();
		// The wait is 100 ms, 70 ms more than max-wait: after 70 ms the wait is within it.
		assertThat(rejected.retryAfter()).isEqualTo(70 * MS);
		assertThat(rejected.delay()).isZero();
		assertThat(rejected.remaining()).isZero();
		assertThat(rejected.reset()).isEqualTo(1000 * MS);
		// A refusal takes nothing.
		assertThat(limiter.take("client").retryAfter()).isEqualTo(70 * MS);
		advanceMillis(69);
		assertThat(limiter.take("client").retryAfter()).isEqualTo(1 * MS);
		advanceMillis(1);
		Verdict delayed = limiter.take("client");
		assertThat(delayed.outcome()).isEqualTo(Outcome.DELAYED);
		assertThat(delayed.delay()).isEqualTo(30 * MS);
		assertThat(delayed.reset()).isEqualTo(1030 * MS);
	}

	@Test
	void aZeroMaxWaitRejectsForAWholeInterval() {
		TokenBucketLimiter limiter = limiter(1, Duration.ZERO);
		take(limiter, "client", 10);
		Verdict rejected = limiter.take("client");
		assertThat(rejected.outcome()).isEqualTo(Outcome.REJECTED);
		assertThat(rejected.retryAfter()).isEqualTo(100 * MS);
		advanceMillis(100);
		Verdict next = limiter.take("client");
		assertThat(next.outcome()).isEqualTo(Outcome.ADMITTED);
		assertThat(next.delay()).isZero();
	}

	@Test
	void giveBackReturnsAToken() {
		TokenBucketLimiter limiter = limiter(1, Duration.ofSeconds(10));
		take(limiter, "client", 10);
		limiter.giveBack("client");
		Verdict again = limiter.take("client");
		assertThat(again.outcome()).isEqualTo(Outcome.ADMITTED);
		assertThat(again.remaining()).isZero();
		assertThat(limiter.take("client").delay()).isEqualTo(100 * MS);
	}

	@Test
	void givingBackTheTokenOfADelayedRequestPaysItsDebt() {
		TokenBucketLimiter limiter = limiter(1, Duration.ofSeconds(10));
		take(limiter, "client", 10);
		assertThat(limiter.take("client").delay()).isEqualTo(100 * MS);
		// Its client left during the delay: the next one waits as if it had never come.
		limiter.giveBack("client");
		assertThat(limiter.take("client").delay()).isEqualTo(100 * MS);
	}

	@Test
	void giveBackNeverFillsBeyondCapacity() {
		TokenBucketLimiter limiter = limiter(1, Duration.ofSeconds(10));
		limiter.giveBack("client");
		limiter.giveBack("client");
		Verdict first = limiter.take("client");
		assertThat(first.remaining()).isEqualTo(9);
		assertThat(take(limiter, "client", 9)).extracting(Verdict::outcome).containsOnly(Outcome.ADMITTED);
		assertThat(limiter.take("client").outcome()).isEqualTo(Outcome.DELAYED);
	}

	@Test
	void keysAreIndependent() {
		TokenBucketLimiter limiter = limiter(1, Duration.ZERO);
		take(limiter, "a", 10);
		assertThat(limiter.take("a").outcome()).isEqualTo(Outcome.REJECTED);
		Verdict other = limiter.take("b");
		assertThat(other.outcome()).isEqualTo(Outcome.ADMITTED);
		assertThat(other.remaining()).isEqualTo(9);
	}

	@Test
	void resetIsTheTimeUntilTheBucketIsFull() {
		TokenBucketLimiter limiter = limiter(1, Duration.ofSeconds(10));
		take(limiter, "client", 10);
		// 250 ms later two tokens are back and 50 ms count towards the third.
		advanceMillis(250);
		Verdict verdict = limiter.take("client");
		assertThat(verdict.outcome()).isEqualTo(Outcome.ADMITTED);
		assertThat(verdict.remaining()).isEqualTo(1);
		assertThat(verdict.reset()).isEqualTo(850 * MS);
		advanceMillis(10_000);
		Verdict full = limiter.take("client");
		assertThat(full.remaining()).isEqualTo(9);
		// Refills stay on their 100 ms grid even while the bucket is full (lua-resty-limit-rate's last += ticks ×
		// interval): a token taken 50 ms into a tick is back at the next tick.
		assertThat(full.reset()).isEqualTo(50 * MS);
		// A new key's grid starts with its first request.
		assertThat(limiter.take("other").reset()).isEqualTo(100 * MS);
	}

	@Test
	void aQuantumRefillsThatManyTokensPerInterval() {
		TokenBucketLimiter limiter = limiter(2, Duration.ofSeconds(10));
		List<Verdict> first = take(limiter, "client", 10);
		assertThat(first).extracting(Verdict::reset)
			.containsExactly(100 * MS, 100 * MS, 200 * MS, 200 * MS, 300 * MS, 300 * MS, 400 * MS, 400 * MS,
					500 * MS, 500 * MS);
		// The next interval brings two tokens: the 11th and the 12th wait for it, the 13th for the one after.
		assertThat(take(limiter, "client", 3)).extracting(Verdict::delay).containsExactly(100 * MS, 100 * MS, 200 * MS);
	}

	@Test
	void theSettingsNameTheArgumentAtFault() {
		assertThat(field(() -> TokenBucketSettings.of(Duration.ofNanos(999_999), 10, 1, Duration.ZERO)))
			.isEqualTo("interval");
		assertThat(field(() -> TokenBucketSettings.of(null, 10, 1, Duration.ZERO))).isEqualTo("interval");
		assertThat(field(() -> TokenBucketSettings.of(Duration.ofMillis(100), 0, 1, Duration.ZERO)))
			.isEqualTo("capacity");
		assertThat(field(() -> TokenBucketSettings.of(Duration.ofMillis(100), 10, 0, Duration.ZERO)))
			.isEqualTo("quantum");
		assertThat(field(() -> TokenBucketSettings.of(Duration.ofMillis(100), 10, 1, Duration.ofMillis(-1))))
			.isEqualTo("max-wait");
		assertThat(field(() -> TokenBucketSettings.of(Duration.ofMillis(100), 10, 1, null))).isEqualTo("max-wait");
		TokenBucketSettings settings = TokenBucketSettings.of(Duration.ofMillis(100), 10, 1, Duration.ofMillis(30));
		assertThat(settings).isEqualTo(new TokenBucketSettings(100_000, 10, 1, 30_000));
		assertThat(settings.ratePerSecond()).isEqualTo(10.0);
		assertThat(settings.fillTime()).isEqualTo(1_000_000);
		assertThat(TokenBucketSettings.of(Duration.ofMillis(100), 5, 2, Duration.ZERO).fillTime())
			.as("three refills of two fill five")
			.isEqualTo(300_000);
	}

	@Test
	void aKeyIsForgottenOnceItsBucketIsFullAgainAndNotBefore() {
		TokenBucketLimiter limiter = limiter(1, Duration.ZERO);
		take(limiter, "client", 3);
		long now = this.clock.micros();
		// Three tokens short: full again after 300 ms.
		assertThat(limiter.keys(now)).isEqualTo(1);
		assertThat(limiter.keys(now + 299 * MS)).isEqualTo(1);
		assertThat(limiter.keys(now + 300 * MS)).isZero();
		// A new bucket starts full, as the old one would be.
		advanceMillis(300);
		assertThat(limiter.take("client").remaining()).isEqualTo(9);
	}

	@Test
	void aFullLimiterForgetsTheBucketNearestFull() {
		TokenBucketLimiter limiter = new TokenBucketLimiter(
				TokenBucketSettings.of(Duration.ofMillis(100), 10, 1, Duration.ZERO), this.clock, 2);
		take(limiter, "a", 10);
		take(limiter, "b", 1);
		// "c" needs room: "b" is 100 ms from full, "a" a second, so "b" goes.
		assertThat(limiter.take("c").remaining()).isEqualTo(9);
		assertThat(limiter.take("a").outcome()).isEqualTo(Outcome.REJECTED);
		assertThat(limiter.take("b").remaining()).as("b starts again, full").isEqualTo(9);
	}

	private static String field(ThrowingCallable call) {
		return catchThrowableOfType(InvalidRateLimitException.class, call).field();
	}

}
