package io.restygateway.bench;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import io.restygateway.ratelimit.Gcra;
import io.restygateway.ratelimit.Gcra.Decision;
import io.restygateway.ratelimit.Gcra.Limit;
import io.restygateway.ratelimit.MemoryGcraStore;
import io.restygateway.ratelimit.MicroClock;
import io.restygateway.ratelimit.Rate;
import io.restygateway.ratelimit.TokenBucketLimiter;
import io.restygateway.ratelimit.TokenBucketSettings;
import io.restygateway.ratelimit.Verdict;

/**
 * The cost of one decision of the in-memory limiters, uncontended (one thread). The goal in the rate-limits issue is
 * under 100 ns per decision.
 * <ul>
 * <li>{@code gcra}: {@link Gcra#decide} alone, on a TAT held in a field and a time that the benchmark advances: the
 * arithmetic, without clock, map or compare-and-set;</li>
 * <li>{@code memoryHotKey}: {@link MemoryGcraStore#decide(String, int, java.util.function.LongSupplier)} on one key,
 * as a {@code LeakyBucket} filter without Redis calls it: the system clock, the Caffeine lookup and the
 * compare-and-set;</li>
 * <li>{@code memoryManyKeys}: the same over {@value #KEYS} keys taken in turn, so that the map's entries and the
 * TATs are mostly out of the CPU's caches;</li>
 * <li>{@code tokenBucket}: {@link TokenBucketLimiter#take} on one key, as a {@code TokenBucket} filter calls it;</li>
 * <li>{@code clock}: {@link MicroClock#micros()} alone, the part of the above that is reading the time.</li>
 * </ul>
 * {@code verdict} chooses the path through the limiters: {@code admit} with limits that no run can use up, so that
 * every decision writes a new state; {@code refuse} with limits used up by the first request (made in the set-up),
 * so that every decision only reads.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class LocalLimiterBenchmark {

	/** How many keys {@code memoryManyKeys} cycles through: a power of two. */
	static final int KEYS = 65_536;

	/** The limiters for one path, each used by one thread only. */
	@State(Scope.Thread)
	public static class Limiters {

		@Param({ "admit", "refuse" })
		public String verdict;

		MicroClock clock;

		Limit limit;

		MemoryGcraStore hot;

		MemoryGcraStore many;

		TokenBucketLimiter tokens;

		String[] keys;

		int next;

		long tat = Gcra.NO_STATE;

		long now;

		long step;

		@Setup
		public void setUp() {
			boolean admit = switch (this.verdict) {
				case "admit" -> true;
				case "refuse" -> false;
				default -> throw new IllegalArgumentException("verdict is admit or refuse, not " + this.verdict);
			};
			this.clock = MicroClock.system();
			// admit: T = 1 µs and a tolerance of 10^15 µs (about 30 years), which no run gets through even though it
			// decides far faster than the rate; refuse: one request a minute and no burst.
			this.limit = admit ? new Limit(1, 1_000_000_000_000_000L, Integer.MAX_VALUE)
					: Limit.of(Rate.parse("1r/m"), 0);
			this.hot = new MemoryGcraStore(this.limit, 1_000_000);
			this.many = new MemoryGcraStore(this.limit, 1_000_000);
			// admit: 10^12 tokens to start with, refilled by 10^6 a millisecond; refuse: one token an hour, no wait.
			TokenBucketSettings settings = admit
					? TokenBucketSettings.of(Duration.ofMillis(1), 1_000_000_000_000L, 1_000_000, Duration.ZERO)
					: TokenBucketSettings.of(Duration.ofHours(1), 1, 1, Duration.ZERO);
			this.tokens = new TokenBucketLimiter(settings, this.clock, 1_000_000);
			this.keys = new String[KEYS];
			for (int i = 0; i < KEYS; i++) {
				this.keys[i] = "bench:10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255);
			}
			// The first request of every key, so that refuse refuses from the first measured decision.
			this.hot.decide("bench:hot", 1, this.clock::micros);
			for (String key : this.keys) {
				this.many.decide(key, 1, this.clock::micros);
			}
			this.tokens.take("bench:hot");
			this.now = 1_000_000;
			this.step = admit ? 1 : 0;
			this.tat = Gcra.decide(Gcra.NO_STATE, this.now, this.limit, 1).tat();
		}

	}

	@Benchmark
	public Decision gcra(Limiters limiters) {
		// admit: one microsecond a decision, so that at T = 1 µs each finds its TAT just reached; refuse: time stands.
		limiters.now += limiters.step;
		Decision decision = Gcra.decide(limiters.tat, limiters.now, limiters.limit, 1);
		limiters.tat = decision.tat();
		return decision;
	}

	@Benchmark
	public Decision memoryHotKey(Limiters limiters) {
		return limiters.hot.decide("bench:hot", 1, limiters.clock::micros);
	}

	@Benchmark
	public Decision memoryManyKeys(Limiters limiters) {
		// A stride of 40 503 (odd, so every key comes in turn) keeps neighbouring decisions on distant keys.
		limiters.next = (limiters.next + 40_503) & (KEYS - 1);
		return limiters.many.decide(limiters.keys[limiters.next], 1, limiters.clock::micros);
	}

	@Benchmark
	public Verdict tokenBucket(Limiters limiters) {
		return limiters.tokens.take("bench:hot");
	}

	/** The clock alone. */
	@State(Scope.Thread)
	public static class Clock {

		MicroClock clock = MicroClock.system();

	}

	@Benchmark
	public long clock(Clock clock) {
		return clock.clock.micros();
	}

}
