package io.restygateway.ratelimit;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import io.restygateway.ratelimit.Gcra.Decision;
import io.restygateway.ratelimit.Gcra.Limit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * The acceptance list of the rate-limiting spec, at the level of the algorithm, with exact instants (µs).
 */
class GcraTests {

	private static final long MS = 1000;

	/** One key's state, as a store keeps it. */
	static final class Key {

		long tat = Gcra.NO_STATE;

		Decision offer(long now, Limit limit, int cost) {
			Decision decision = Gcra.decide(this.tat, now, limit, cost);
			this.tat = decision.tat();
			return decision;
		}

	}

	@Test
	void burstPlusOneSimultaneousRequestsPassWithTheirDelaysAndRemaining() {
		Limit limit = Limit.of(Rate.parse("10r/s"), 5);
		Key key = new Key();
		List<Long> delays = new ArrayList<>();
		List<Long> remaining = new ArrayList<>();
		int refused = 0;
		for (int i = 0; i < 20; i++) {
			Decision decision = key.offer(0, limit, 1);
			if (decision.allowed()) {
				delays.add(decision.delay(0, limit) / MS);
				remaining.add(decision.remaining());
			}
			else {
				refused++;
				assertThat(decision.retryAfter()).isEqualTo(100 * MS);
			}
		}
		assertThat(delays).containsExactly(0L, 100L, 200L, 300L, 400L, 500L);
		assertThat(remaining).containsExactly(5L, 4L, 3L, 2L, 1L, 0L);
		assertThat(refused).isEqualTo(14);
	}

	@Test
	void nodelayAndDelayThresholds() {
		Limit limit = Limit.of(Rate.parse("10r/s"), 5);
		Key nodelay = new Key();
		Key delayThree = new Key();
		List<Long> immediate = new ArrayList<>();
		List<Long> threshold = new ArrayList<>();
		for (int i = 0; i < 20; i++) {
			Decision a = nodelay.offer(0, limit, 1);
			if (a.allowed()) {
				immediate.add(a.delay(limit.burst(), limit));
			}
			Decision b = delayThree.offer(0, limit, 1);
			if (b.allowed()) {
				threshold.add(b.delay(3, limit) / MS);
			}
		}
		assertThat(immediate).containsExactly(0L, 0L, 0L, 0L, 0L, 0L);
		assertThat(threshold).containsExactly(0L, 0L, 0L, 0L, 100L, 200L);
	}

	@Test
	void rejectionsDoNotConsume() {
		Limit limit = Limit.of(Rate.parse("10r/s"), 5);
		Key key = new Key();
		for (int i = 0; i < 20; i++) {
			key.offer(0, limit, 1);
		}
		Decision next = key.offer(100 * MS, limit, 1);
		assertThat(next.allowed()).isTrue();
		assertThat(next.delay(0, limit)).isEqualTo(500 * MS);
		assertThat(key.offer(100 * MS, limit, 1).allowed()).isFalse();
	}

	private static String pattern(Limit limit, long every, int count) {
		Key key = new Key();
		StringBuilder out = new StringBuilder();
		for (int i = 0; i < count; i++) {
			out.append(key.offer(i * every, limit, 1).allowed() ? 'A' : 'R');
		}
		return out.toString();
	}

	@Test
	void timebugsTimingPatterns() {
		// t/sanity.t TEST 1: 2r/s, burst 0, every 200 ms; every 400 ms alternates; every 600 ms always passes.
		assertThat(pattern(Limit.of(Rate.parse("2r/s"), 0), 200 * MS, 7)).isEqualTo("ARRARRA");
		assertThat(pattern(Limit.of(Rate.parse("2r/s"), 0), 400 * MS, 6)).isEqualTo("ARARAR");
		assertThat(pattern(Limit.of(Rate.parse("2r/s"), 0), 600 * MS, 6)).isEqualTo("AAAAAA");
		// TEST 4: burst 2 every 200 ms.
		assertThat(pattern(Limit.of(Rate.parse("2r/s"), 2), 200 * MS, 10)).isEqualTo("AAAARARRAR");
	}

	@Test
	void sustainedLoadAdmitsTheRatePlusTheBurst() {
		Limit limit = Limit.of(Rate.parse("10r/s"), 5);
		Key key = new Key();
		int admitted = 0;
		for (int i = 0; i < 200; i++) {
			if (key.offer(i * 50 * MS, limit, 1).allowed()) {
				admitted++;
			}
		}
		assertThat(admitted).isBetween(104, 106);
	}

	@Test
	void ratesBelowOnePerSecond() {
		Limit limit = Limit.of(Rate.parse("1r/m"), 2);
		Key key = new Key();
		for (int i = 0; i < 3; i++) {
			assertThat(key.offer(0, limit, 1).allowed()).isTrue();
		}
		Decision fourth = key.offer(0, limit, 1);
		assertThat(fourth.allowed()).isFalse();
		assertThat(fourth.retryAfter()).isEqualTo(60_000 * MS);
		// The key must live as long as its horizon: 180 s here (a fixed 60 s TTL would forget it).
		assertThat(key.tat - 0).isEqualTo(180_000 * MS);
		assertThat(Rate.parse("0.5r/s").emissionIntervalMicros()).isEqualTo(2_000_000);
	}

	@Test
	void subMillisecondPrecision() {
		Limit limit = Limit.of(Rate.parse("5000r/s"), 0);
		assertThat(pattern(limit, 200, 5)).isEqualTo("AAAAA");
		assertThat(pattern(limit, 100, 2)).isEqualTo("AR");
	}

	@Test
	void costs() {
		Limit limit = Limit.of(Rate.parse("10r/s"), 5);
		Key key = new Key();
		assertThat(key.offer(0, limit, 3).allowed()).isTrue();
		assertThat(key.offer(0, limit, 3).allowed()).isTrue();
		assertThat(key.offer(0, limit, 1).allowed()).isFalse();
		assertThat(limit.admits(6)).isTrue();
		assertThat(limit.admits(7)).isFalse();
		assertThatIllegalArgumentException().isThrownBy(() -> Gcra.decide(Gcra.NO_STATE, 0, limit, 7))
			.withMessageContaining("can never pass");
	}

	@Test
	void waitingExactlyRetryAfterIsEnough() {
		Random random = new Random(42);
		for (int round = 0; round < 2000; round++) {
			Limit limit = Limit.of(Rate.parse((1 + random.nextInt(100)) + "r/" + (random.nextBoolean() ? "s" : "m")),
					random.nextInt(10));
			int cost = 1 + random.nextInt(limit.burst() + 1);
			Key key = new Key();
			long now = random.nextInt(1_000_000);
			Decision decision = key.offer(now, limit, cost);
			while (decision.allowed()) {
				now += random.nextInt(1000);
				decision = key.offer(now, limit, cost);
			}
			long retryAt = now + decision.retryAfter();
			assertThat(key.offer(retryAt, limit, cost).allowed()).as("round %d", round).isTrue();
		}
	}

	@Test
	void badRatesSayWhatIsWrong() {
		assertThatIllegalArgumentException().isThrownBy(() -> Rate.parse("10/s")).withMessageContaining("Nr/s");
		assertThatIllegalArgumentException().isThrownBy(() -> Rate.parse("0r/s")).withMessageContaining("more than 0");
		assertThatIllegalArgumentException().isThrownBy(() -> Limit.of(Rate.parse("1r/s"), -1))
			.withMessageContaining("burst");
		assertThat(Rate.parse(" 2.50r/M ")).hasToString("2.5r/m");
	}

	@Test
	void aBanRefusesEverythingForItsLengthFromTheFirstRefusalThenStartsAfresh() {
		// lua-resty-redis-ratelimit's t/sanity.t TEST 8: duration 2 s, a request every 200 ms: pass, 10 refusals, pass.
		Limit limit = Limit.of(Rate.parse("2r/s"), 0);
		long state = Gcra.NO_STATE;
		StringBuilder out = new StringBuilder();
		for (int i = 0; i < 13; i++) {
			Decision decision = Gcra.decide(state, i * 200 * MS, limit, 1, 2_000 * MS);
			out.append(decision.allowed() ? 'A' : 'R');
			if (i == 1) {
				assertThat(decision.retryAfter()).isEqualTo(2_000 * MS);
				assertThat(Gcra.isBan(decision.tat())).isTrue();
				assertThat(Gcra.banEnd(decision.tat())).isEqualTo(2_200 * MS);
			}
			if (i == 5) {
				assertThat(decision.retryAfter()).as("the ban runs from the first refusal").isEqualTo(1_200 * MS);
				assertThat(decision.remaining()).isZero();
			}
			state = decision.tat();
		}
		assertThat(out).hasToString("ARRRRRRRRRRAR");
	}

}
