package io.restygateway.ratelimit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToLongFunction;

import org.junit.jupiter.api.Test;

import io.restygateway.ratelimit.Verdict.Outcome;
import io.restygateway.ratelimit.Verdict.Source;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The LeakyBucket limiter without Redis, on an injected clock: the spec's acceptance tests 1 to 4 and the ban of
 * lua-resty-redis-ratelimit's TEST 8 as the filter sees them, with the verdicts' remaining and reset values.
 * {@link LeakyBucketLimiterRedisTests} covers the limiter with Redis.
 */
class LeakyBucketLimiterTests {

	private static final long MS = 1000;

	private final AtomicLong nanos = new AtomicLong(123_456_789_000L);

	private final MicroClock clock = new MicroClock(this.nanos::get);

	private void advanceMillis(long millis) {
		this.nanos.addAndGet(millis * 1_000_000);
	}

	private LeakyBucketLimiter limiter(String rate, int burst, String delay, int cost, Duration ban) {
		return new LeakyBucketLimiter(LeakyBucketSettings.of("z", rate, burst, delay, cost, ban, "allow"), null,
				this.clock, 10_000, true);
	}

	private static Verdict decide(LeakyBucketLimiter limiter, String key) {
		return limiter.decide(key).block(Duration.ofSeconds(1));
	}

	private static List<Verdict> burst(LeakyBucketLimiter limiter, String key, int count) {
		List<Verdict> verdicts = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			verdicts.add(decide(limiter, key));
		}
		return verdicts;
	}

	private static List<Long> millis(List<Verdict> verdicts, ToLongFunction<Verdict> value) {
		return verdicts.stream().map(verdict -> value.applyAsLong(verdict) / MS).toList();
	}

	@Test
	void delayModeAdmitsBurstPlusOneWithGrowingDelaysAndRejectsTheRest() {
		// Acceptance test 1: 10r/s, burst 5, delay 0, 20 requests at the same instant.
		LeakyBucketLimiter limiter = limiter("10r/s", 5, "0", 1, Duration.ZERO);
		assertThat(limiter.shared()).isFalse();
		List<Verdict> verdicts = burst(limiter, "client", 20);
		List<Verdict> admitted = verdicts.subList(0, 6);
		List<Verdict> rejected = verdicts.subList(6, 20);
		assertThat(admitted).extracting(Verdict::outcome)
			.containsExactly(Outcome.ADMITTED, Outcome.DELAYED, Outcome.DELAYED, Outcome.DELAYED, Outcome.DELAYED,
					Outcome.DELAYED);
		assertThat(millis(admitted, Verdict::delay)).containsExactly(0L, 100L, 200L, 300L, 400L, 500L);
		assertThat(admitted).extracting(Verdict::remaining).containsExactly(5L, 4L, 3L, 2L, 1L, 0L);
		// Full again once the last one's slot has passed: 100 ms per request taken.
		assertThat(millis(admitted, Verdict::reset)).containsExactly(100L, 200L, 300L, 400L, 500L, 600L);
		assertThat(admitted).extracting(Verdict::retryAfter).containsOnly(0L);
		assertThat(admitted).allMatch(Verdict::admitted);
		assertThat(rejected).hasSize(14).allSatisfy(verdict -> {
			assertThat(verdict.outcome()).isEqualTo(Outcome.REJECTED);
			assertThat(verdict.admitted()).isFalse();
			assertThat(verdict.retryAfter()).isEqualTo(100 * MS);
			assertThat(Verdict.ceilSeconds(verdict.retryAfter())).as("Retry-After").isEqualTo(1);
			assertThat(verdict.delay()).isZero();
			assertThat(verdict.remaining()).isZero();
			assertThat(verdict.reset()).isEqualTo(600 * MS);
		});
		assertThat(verdicts).extracting(Verdict::source).containsOnly(Source.MEMORY);
	}

	@Test
	void nodelayAdmitsBurstPlusOneAtOnce() {
		// Acceptance test 2.
		LeakyBucketLimiter limiter = limiter("10r/s", 5, "nodelay", 1, Duration.ZERO);
		List<Verdict> verdicts = burst(limiter, "client", 20);
		assertThat(verdicts.subList(0, 6)).extracting(Verdict::outcome).containsOnly(Outcome.ADMITTED);
		assertThat(verdicts.subList(0, 6)).extracting(Verdict::delay).containsOnly(0L);
		assertThat(verdicts.subList(0, 6)).extracting(Verdict::remaining).containsExactly(5L, 4L, 3L, 2L, 1L, 0L);
		assertThat(verdicts.subList(6, 20)).extracting(Verdict::outcome).containsOnly(Outcome.REJECTED);
		assertThat(verdicts.subList(6, 20)).extracting(Verdict::retryAfter).containsOnly(100 * MS);
	}

	@Test
	void aDelayThresholdAdmitsThatManyAtOnceAndDelaysTheRest() {
		// Acceptance test 3: delay=3.
		LeakyBucketLimiter limiter = limiter("10r/s", 5, "3", 1, Duration.ZERO);
		List<Verdict> verdicts = burst(limiter, "client", 20);
		assertThat(verdicts.subList(0, 6)).extracting(Verdict::outcome)
			.containsExactly(Outcome.ADMITTED, Outcome.ADMITTED, Outcome.ADMITTED, Outcome.ADMITTED, Outcome.DELAYED,
					Outcome.DELAYED);
		assertThat(millis(verdicts.subList(0, 6), Verdict::delay)).containsExactly(0L, 0L, 0L, 0L, 100L, 200L);
		assertThat(verdicts.subList(6, 20)).extracting(Verdict::outcome).containsOnly(Outcome.REJECTED);
	}

	@Test
	void rejectionsDoNotConsume() {
		// Acceptance test 4: after test 1, one request at +100 ms is admitted with a 500 ms delay; the next is not.
		LeakyBucketLimiter limiter = limiter("10r/s", 5, "0", 1, Duration.ZERO);
		burst(limiter, "client", 20);
		advanceMillis(100);
		Verdict next = decide(limiter, "client");
		assertThat(next.outcome()).isEqualTo(Outcome.DELAYED);
		assertThat(next.delay()).isEqualTo(500 * MS);
		assertThat(next.remaining()).isZero();
		assertThat(next.reset()).isEqualTo(600 * MS);
		Verdict again = decide(limiter, "client");
		assertThat(again.outcome()).isEqualTo(Outcome.REJECTED);
		assertThat(again.retryAfter()).isEqualTo(100 * MS);
	}

	@Test
	void theBucketDrainsAtTheRate() {
		LeakyBucketLimiter limiter = limiter("10r/s", 5, "nodelay", 1, Duration.ZERO);
		burst(limiter, "client", 6);
		advanceMillis(250);
		// Two slots and a half have drained: two requests pass, the third waits 50 ms for the next slot.
		assertThat(burst(limiter, "client", 3)).extracting(Verdict::outcome)
			.containsExactly(Outcome.ADMITTED, Outcome.ADMITTED, Outcome.REJECTED);
		Verdict refused = decide(limiter, "client");
		assertThat(refused.retryAfter()).isEqualTo(50 * MS);
		assertThat(refused.reset()).isEqualTo(550 * MS);
		advanceMillis(600);
		Verdict fresh = decide(limiter, "client");
		assertThat(fresh.outcome()).isEqualTo(Outcome.ADMITTED);
		assertThat(fresh.remaining()).isEqualTo(5);
		assertThat(fresh.reset()).isEqualTo(100 * MS);
	}

	@Test
	void keysAreIndependent() {
		LeakyBucketLimiter limiter = limiter("10r/s", 1, "nodelay", 1, Duration.ZERO);
		assertThat(burst(limiter, "a", 3)).extracting(Verdict::outcome)
			.containsExactly(Outcome.ADMITTED, Outcome.ADMITTED, Outcome.REJECTED);
		assertThat(decide(limiter, "b").outcome()).isEqualTo(Outcome.ADMITTED);
	}

	@Test
	void aCostTakesThatManySlots() {
		// Acceptance test 9 with every request of the route costing 3: two pass, then 300 ms until a third fits.
		LeakyBucketLimiter limiter = limiter("10r/s", 5, "nodelay", 3, Duration.ZERO);
		List<Verdict> verdicts = burst(limiter, "client", 3);
		assertThat(verdicts).extracting(Verdict::outcome)
			.containsExactly(Outcome.ADMITTED, Outcome.ADMITTED, Outcome.REJECTED);
		assertThat(verdicts).extracting(Verdict::remaining).containsExactly(3L, 0L, 0L);
		assertThat(millis(verdicts, Verdict::reset)).containsExactly(300L, 600L, 600L);
		assertThat(verdicts.get(2).retryAfter()).isEqualTo(300 * MS);
		advanceMillis(300);
		assertThat(decide(limiter, "client").outcome()).isEqualTo(Outcome.ADMITTED);
	}

	@Test
	void aBanRefusesEverythingForItsLengthThenStartsAfresh() {
		// lua-resty-redis-ratelimit's t/sanity.t TEST 8: 2r/s, burst 0, ban 2 s, a request every 200 ms.
		LeakyBucketLimiter limiter = limiter("2r/s", 0, "nodelay", 1, Duration.ofSeconds(2));
		StringBuilder pattern = new StringBuilder();
		List<Verdict> verdicts = new ArrayList<>();
		for (int i = 0; i < 13; i++) {
			Verdict verdict = decide(limiter, "client");
			verdicts.add(verdict);
			pattern.append(verdict.admitted() ? 'A' : 'R');
			advanceMillis(200);
		}
		assertThat(pattern).hasToString("ARRRRRRRRRRAR");
		// The ban runs from the first refusal (at 200 ms) to 2200 ms, whatever comes in between.
		for (int i = 1; i <= 10; i++) {
			Verdict banned = verdicts.get(i);
			long left = (2200 - i * 200) * MS;
			assertThat(banned.retryAfter()).as("request %d", i).isEqualTo(left);
			assertThat(banned.reset()).as("a ban ends all at once").isEqualTo(left);
			assertThat(banned.remaining()).isZero();
		}
		// After the ban the key starts afresh; the next refusal bans it again for the whole length.
		assertThat(verdicts.get(11).remaining()).isZero();
		assertThat(verdicts.get(12).retryAfter()).isEqualTo(2_000 * MS);
	}

}
