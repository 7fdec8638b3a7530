package io.restygateway.ratelimit;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;

import io.restygateway.ratelimit.Gcra.Limit;
import io.restygateway.ratelimit.Verdict.Outcome;
import io.restygateway.ratelimit.Verdict.Source;
import io.restygateway.test.LoopbackHttpServer;
import io.restygateway.test.RedisServerExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The LeakyBucket limiter with a real Redis behind a {@link RedisLimitBackend} (50 ms timeout, a breaker that opens
 * after 3 failures, 2 instances): decisions come from Redis, a refusal is then answered from the negative cache
 * without Redis, and a hung Redis (SIGSTOP) costs at most the timeout, then nothing once the breaker is open; a
 * fail-open route falls back to rate/instances in memory, a fail-closed one answers 503. The breaker and the
 * limiter's clock run on an injected clock; Redis decides on its own.
 */
class LeakyBucketLimiterRedisTests {

	private static final long MS = 1000;

	private static final Duration TIMEOUT = Duration.ofMillis(50);

	private static final long OPEN_FOR_NANOS = Duration.ofSeconds(5).toNanos();

	@RegisterExtension
	static RedisServerExtension redis = new RedisServerExtension();

	static LettuceConnectionFactory connections;

	static RedisGcraStore store;

	private final AtomicLong nanos = new AtomicLong(9_000_000_000L);

	private final MicroClock clock = new MicroClock(this.nanos::get);

	private final CircuitBreaker breaker = new CircuitBreaker(3, OPEN_FOR_NANOS, this.nanos::get);

	private final RedisLimitBackend backend = new RedisLimitBackend(store, "t:", TIMEOUT, this.breaker, 2);

	@BeforeAll
	static void connect() {
		connections = new LettuceConnectionFactory(
				new RedisStandaloneConfiguration(redis.server().host(), redis.server().port()));
		connections.afterPropertiesSet();
		connections.start();
		store = new RedisGcraStore(new ReactiveStringRedisTemplate(connections));
		// Connect and load the script now, outside any 50 ms timeout (and see
		// aRedisThatHangsBeforeTheFirstConnectionCostsAtMostTheTimeout for why the connection must exist already).
		store.decide("warm-up", Limit.of(Rate.parse("1r/s"), 0), 1).block(Duration.ofSeconds(10));
	}

	@BeforeEach
	void connectTheBackend() {
		// As the heartbeat does at start: the backend makes its connection on its own thread, and decisions wait
		// for nothing.
		assertThat(this.backend.connectAndWait(Duration.ofSeconds(10))).isTrue();
	}

	@AfterAll
	static void disconnect() {
		connections.destroy();
	}

	private LeakyBucketLimiter limiter(String zone, String rate, int burst, String onRedisFailure,
			boolean negativeCache) {
		return limiter(zone, rate, burst, 1, Duration.ZERO, onRedisFailure, negativeCache);
	}

	private LeakyBucketLimiter limiter(String zone, String rate, int burst, int cost, Duration ban,
			String onRedisFailure, boolean negativeCache) {
		return new LeakyBucketLimiter(LeakyBucketSettings.of(zone, rate, burst, "nodelay", cost, ban, onRedisFailure),
				this.backend, this.clock, 10_000, negativeCache);
	}

	private static Verdict decide(LeakyBucketLimiter limiter, String key) {
		return limiter.decide(key).block(Duration.ofSeconds(5));
	}

	private static long millisSince(long start) {
		return (System.nanoTime() - start) / 1_000_000;
	}

	@Test
	void decisionsComeFromRedis() throws Exception {
		// One request a minute: Redis's clock moving while the test runs changes nothing.
		LeakyBucketLimiter limiter = limiter("shared", "1r/m", 2, "allow", true);
		assertThat(limiter.shared()).isTrue();
		Verdict first = decide(limiter, "a");
		assertThat(first.source()).isEqualTo(Source.REDIS);
		assertThat(first.outcome()).isEqualTo(Outcome.ADMITTED);
		assertThat(first.remaining()).isEqualTo(2);
		assertThat(first.reset()).isEqualTo(60_000 * MS);
		// The state is in Redis under prefix, zone and key: the TAT, on Redis's clock.
		assertThat(redis.server().command("GET", "t:shared:a")).matches("\\d{16}");
		assertThat(decide(limiter, "a").remaining()).isEqualTo(1);
		assertThat(decide(limiter, "a").remaining()).isZero();
		Verdict refused = decide(limiter, "a");
		assertThat(refused.source()).isEqualTo(Source.REDIS);
		assertThat(refused.outcome()).isEqualTo(Outcome.REJECTED);
		assertThat(refused.retryAfter()).isBetween(55_000 * MS, 60_000 * MS);
		assertThat(refused.reset()).isEqualTo(refused.retryAfter() + 120_000 * MS);
		assertThat(this.backend.failures()).isZero();
	}

	@Test
	void aRefusalIsThenAnsweredFromTheNegativeCacheWithoutRedisUntilItsRetryTime() throws Exception {
		LeakyBucketLimiter limiter = limiter("negative", "1r/m", 2, "allow", true);
		for (int i = 0; i < 3; i++) {
			assertThat(decide(limiter, "a").outcome()).isEqualTo(Outcome.ADMITTED);
		}
		Verdict refused = decide(limiter, "a");
		assertThat(refused.source()).isEqualTo(Source.REDIS);
		assertThat(refused.outcome()).isEqualTo(Outcome.REJECTED);
		long retry = refused.retryAfter();
		assertThat(retry).isPositive();
		// Were Redis asked now, it would admit: the key is gone.
		assertThat(redis.server().command("DEL", "t:negative:a")).isEqualTo("1");
		Verdict cached = decide(limiter, "a");
		assertThat(cached.source()).isEqualTo(Source.NEGATIVE_CACHE);
		assertThat(cached.outcome()).isEqualTo(Outcome.REJECTED);
		assertThat(cached.retryAfter()).isEqualTo(retry);
		assertThat(cached.remaining()).isZero();
		// Its reset is the same as Redis's answer (time until full), not just the retry time.
		assertThat(cached.reset()).isEqualTo(refused.reset());
		assertThat(redis.server().command("EXISTS", "t:negative:a")).isEqualTo("0");
		// Another key of the same route still goes to Redis.
		assertThat(decide(limiter, "b").source()).isEqualTo(Source.REDIS);
		this.nanos.addAndGet(retry * 1000 - 1_000);
		Verdict stillCached = decide(limiter, "a");
		assertThat(stillCached.source()).isEqualTo(Source.NEGATIVE_CACHE);
		assertThat(stillCached.retryAfter()).isEqualTo(1);
		assertThat(redis.server().command("EXISTS", "t:negative:a")).isEqualTo("0");
		this.nanos.addAndGet(1_000);
		Verdict again = decide(limiter, "a");
		assertThat(again.source()).isEqualTo(Source.REDIS);
		assertThat(again.outcome()).isEqualTo(Outcome.ADMITTED);
		assertThat(redis.server().command("EXISTS", "t:negative:a")).isEqualTo("1");
	}

	@Test
	void theNegativeCacheAnswersWithTheRemainingAndResetOfRedisRefusal() throws Exception {
		// Cost 3 in a bucket of 1r/m with a burst of 4 (τ = 240 s): one passes; the next is refused, yet 2 cheaper
		// requests would still fit, and the bucket is full again 3 minutes after the first.
		LeakyBucketLimiter limiter = limiter("negative-cost", "1r/m", 4, 3, Duration.ZERO, "allow", true);
		Verdict admitted = decide(limiter, "a");
		assertThat(admitted.outcome()).isEqualTo(Outcome.ADMITTED);
		assertThat(admitted.remaining()).isEqualTo(2);
		Verdict refused = decide(limiter, "a");
		assertThat(refused.source()).isEqualTo(Source.REDIS);
		assertThat(refused.outcome()).isEqualTo(Outcome.REJECTED);
		assertThat(refused.remaining()).isEqualTo(2);
		assertThat(refused.reset()).isEqualTo(refused.retryAfter() + 120_000 * MS);
		Verdict cached = decide(limiter, "a");
		assertThat(cached.source()).isEqualTo(Source.NEGATIVE_CACHE);
		assertThat(cached.retryAfter()).isEqualTo(refused.retryAfter());
		assertThat(cached.remaining()).isEqualTo(refused.remaining());
		assertThat(cached.reset()).isEqualTo(refused.reset());
		// Counted down on this instance's clock.
		this.nanos.addAndGet(10_000 * MS * 1000);
		Verdict later = decide(limiter, "a");
		assertThat(later.source()).isEqualTo(Source.NEGATIVE_CACHE);
		assertThat(later.retryAfter()).isEqualTo(refused.retryAfter() - 10_000 * MS);
		assertThat(later.reset()).isEqualTo(refused.reset() - 10_000 * MS);
	}

	@Test
	void aBanIsAnsweredFromTheNegativeCacheAsABan() throws Exception {
		LeakyBucketLimiter limiter = limiter("negative-ban", "1r/m", 0, 1, Duration.ofMinutes(10), "allow", true);
		assertThat(decide(limiter, "a").outcome()).isEqualTo(Outcome.ADMITTED);
		Verdict banned = decide(limiter, "a");
		assertThat(banned.source()).isEqualTo(Source.REDIS);
		assertThat(banned.retryAfter()).isEqualTo(600_000 * MS);
		assertThat(banned.reset()).isEqualTo(600_000 * MS);
		assertThat(redis.server().command("GET", "t:negative-ban:a")).startsWith("b");
		Verdict cached = decide(limiter, "a");
		assertThat(cached.source()).isEqualTo(Source.NEGATIVE_CACHE);
		assertThat(cached.retryAfter()).isEqualTo(600_000 * MS);
		assertThat(cached.reset()).as("a ban ends all at once").isEqualTo(600_000 * MS);
		assertThat(cached.remaining()).isZero();
	}

	@Test
	void withoutTheNegativeCacheEveryRefusalComesFromRedis() {
		LeakyBucketLimiter limiter = limiter("no-negative", "1r/m", 0, "allow", false);
		decide(limiter, "a");
		assertThat(decide(limiter, "a").source()).isEqualTo(Source.REDIS);
		assertThat(decide(limiter, "a").source()).isEqualTo(Source.REDIS);
	}

	@Test
	void aHungRedisCostsAtMostTheTimeoutThenNothingOnceTheBreakerOpensAndTheBreakerClosesAfterRecovery()
			throws Exception {
		// 10r/s with a burst of 4: alone, this instance may take 5r/s with a burst of 2 (two instances).
		LeakyBucketLimiter open = limiter("hung-open", "10r/s", 4, "allow", true);
		LeakyBucketLimiter closed = limiter("hung-closed", "10r/s", 4, "deny", true);
		assertThat(decide(open, "warm").source()).isEqualTo(Source.REDIS);
		redis.server().pause();
		try {
			// Three decisions wait the timeout, and no more, on the hung server.
			long start = System.nanoTime();
			Verdict first = decide(open, "a");
			long firstMillis = millisSince(start);
			assertThat(firstMillis).isBetween(TIMEOUT.toMillis(), 500L);
			assertThat(first.source()).isEqualTo(Source.FALLBACK);
			assertThat(first.outcome()).isEqualTo(Outcome.ADMITTED);
			assertThat(this.backend.timeouts()).isEqualTo(1);

			start = System.nanoTime();
			Verdict unavailable = decide(closed, "a");
			assertThat(millisSince(start)).isBetween(TIMEOUT.toMillis(), 500L);
			assertThat(unavailable.outcome()).isEqualTo(Outcome.UNAVAILABLE);
			assertThat(unavailable.source()).isEqualTo(Source.NONE);
			assertThat(unavailable.admitted()).isFalse();
			assertThat(this.breaker.state()).isEqualTo(CircuitBreaker.State.CLOSED);

			start = System.nanoTime();
			Verdict second = decide(open, "a");
			assertThat(millisSince(start)).isBetween(TIMEOUT.toMillis(), 500L);
			assertThat(second.source()).isEqualTo(Source.FALLBACK);
			assertThat(this.backend.timeouts()).isEqualTo(3);
			assertThat(this.backend.failures()).isEqualTo(3);
			assertThat(this.breaker.state()).isEqualTo(CircuitBreaker.State.OPEN);
			assertThat(this.breaker.openings()).isEqualTo(1);

			// Open: no decision goes to Redis or waits for it.
			start = System.nanoTime();
			Verdict third = decide(open, "a");
			Verdict fourth = decide(open, "a");
			Verdict closedAgain = decide(closed, "a");
			assertThat(millisSince(start)).isLessThan(TIMEOUT.toMillis());
			assertThat(this.backend.skipped()).isEqualTo(3);
			assertThat(this.backend.timeouts()).isEqualTo(3);
			assertThat(closedAgain.outcome()).isEqualTo(Outcome.UNAVAILABLE);

			// The fallback limit: 5r/s, burst 2, at one instant: three pass, the fourth waits 200 ms.
			assertThat(first.remaining()).isEqualTo(2);
			assertThat(second.remaining()).isEqualTo(1);
			assertThat(third.outcome()).isEqualTo(Outcome.ADMITTED);
			assertThat(third.remaining()).isZero();
			assertThat(fourth.source()).isEqualTo(Source.FALLBACK);
			assertThat(fourth.outcome()).isEqualTo(Outcome.REJECTED);
			assertThat(fourth.retryAfter()).isEqualTo(200 * MS);
			assertThat(fourth.reset()).isEqualTo(600 * MS);
			// A fallback refusal is this instance's own guess, not Redis's: it is not put in the negative cache.
			Verdict fifth = decide(open, "a");
			assertThat(fifth.source()).isEqualTo(Source.FALLBACK);
			assertThat(fifth.outcome()).isEqualTo(Outcome.REJECTED);
			this.nanos.addAndGet(200 * MS * 1000);
			Verdict sixth = decide(open, "a");
			assertThat(sixth.source()).isEqualTo(Source.FALLBACK);
			assertThat(sixth.outcome()).isEqualTo(Outcome.ADMITTED);
			assertThat(this.breaker.state()).isEqualTo(CircuitBreaker.State.OPEN);
			assertThat(this.backend.timeouts()).isEqualTo(3);

			// Still hung when open-for has passed: the probe waits the timeout and the breaker opens again.
			this.nanos.addAndGet(OPEN_FOR_NANOS);
			start = System.nanoTime();
			assertThat(decide(open, "b").source()).isEqualTo(Source.FALLBACK);
			assertThat(millisSince(start)).isBetween(TIMEOUT.toMillis(), 500L);
			assertThat(this.breaker.state()).isEqualTo(CircuitBreaker.State.OPEN);
			assertThat(this.breaker.openings()).isEqualTo(2);
			assertThat(this.backend.timeouts()).isEqualTo(4);
		}
		finally {
			redis.server().resume();
		}
		assertThat(redis.server().command("PING")).isEqualTo("PONG");
		// Recovered, but the breaker stays open until open-for has passed since the last failure.
		assertThat(decide(open, "c").source()).isEqualTo(Source.FALLBACK);
		assertThat(this.breaker.state()).isEqualTo(CircuitBreaker.State.OPEN);
		this.nanos.addAndGet(OPEN_FOR_NANOS);
		Verdict probe = decide(open, "c");
		assertThat(probe.source()).isEqualTo(Source.REDIS);
		assertThat(probe.outcome()).isEqualTo(Outcome.ADMITTED);
		assertThat(this.breaker.state()).isEqualTo(CircuitBreaker.State.CLOSED);
		assertThat(decide(closed, "c").source()).isEqualTo(Source.REDIS);
		assertThat(this.breaker.openings()).isEqualTo(2);
	}

	@Test
	void aRedisThatHangsBeforeTheFirstConnectionCostsNothingAndIsUsedOnceItAnswers() throws Exception {
		// A fresh factory, so that the connection does not exist yet. Spring Data would make it synchronously in the
		// thread of the first decision (an event loop), for Lettuce's whole timeout: the backend never lets it.
		LettuceConnectionFactory fresh = new LettuceConnectionFactory(
				new RedisStandaloneConfiguration(redis.server().host(), redis.server().port()),
				LettuceClientConfiguration.builder().commandTimeout(Duration.ofSeconds(2)).build());
		fresh.afterPropertiesSet();
		fresh.start();
		RedisLimitBackend backend = new RedisLimitBackend(new RedisGcraStore(new ReactiveStringRedisTemplate(fresh)),
				"t:", TIMEOUT, new CircuitBreaker(3, OPEN_FOR_NANOS, this.nanos::get), 2);
		LeakyBucketLimiter limiter = new LeakyBucketLimiter(
				LeakyBucketSettings.of("hung-at-start", "10r/s", 4, "nodelay", 1, Duration.ZERO, "allow"), backend,
				this.clock, 10_000, true);
		redis.server().pause();
		try {
			long start = System.nanoTime();
			Verdict verdict = decide(limiter, "a");
			assertThat(millisSince(start)).isLessThan(500L);
			assertThat(verdict.source()).isEqualTo(Source.FALLBACK);
			assertThat(backend.connected()).isFalse();
			assertThat(backend.connecting()).isTrue();
			assertThat(backend.breaker().state()).as("no decision went to Redis").isEqualTo(CircuitBreaker.State.CLOSED);
		}
		finally {
			redis.server().resume();
		}
		try {
			long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
			while (!backend.connected() && System.nanoTime() < deadline) {
				backend.connect();
				Thread.sleep(50);
			}
			assertThat(backend.connected()).isTrue();
			assertThat(decide(limiter, "a").source()).isEqualTo(Source.REDIS);
		}
		finally {
			fresh.destroy();
		}
	}

	@Test
	void aRedisNeverReachedFailsOpenOrClosedAtOnce() throws Exception {
		// A backend whose Redis is not there at all: nothing listens on its port.
		LettuceConnectionFactory nowhere = new LettuceConnectionFactory(
				new RedisStandaloneConfiguration(redis.server().host(), LoopbackHttpServer.freePort()));
		nowhere.afterPropertiesSet();
		nowhere.start();
		RedisLimitBackend gone = new RedisLimitBackend(new RedisGcraStore(new ReactiveStringRedisTemplate(nowhere)),
				"t:", TIMEOUT, new CircuitBreaker(3, OPEN_FOR_NANOS, this.nanos::get), 2);
		try {
			assertThat(gone.connectAndWait(Duration.ofSeconds(10))).isFalse();
			LeakyBucketLimiter open = new LeakyBucketLimiter(
					LeakyBucketSettings.of("refused", "10r/s", 4, "nodelay", 1, Duration.ZERO, "allow"), gone,
					this.clock, 10_000, true);
			LeakyBucketLimiter closed = new LeakyBucketLimiter(
					LeakyBucketSettings.of("refused", "10r/s", 4, "nodelay", 1, Duration.ZERO, "deny"), gone,
					this.clock, 10_000, true);
			long start = System.nanoTime();
			Verdict first = decide(open, "a");
			assertThat(first.source()).isEqualTo(Source.FALLBACK);
			assertThat(first.outcome()).isEqualTo(Outcome.ADMITTED);
			Verdict refusedClosed = decide(closed, "a");
			assertThat(refusedClosed.outcome()).isEqualTo(Outcome.UNAVAILABLE);
			assertThat(refusedClosed.source()).isEqualTo(Source.NONE);
			assertThat(decide(open, "a").source()).isEqualTo(Source.FALLBACK);
			assertThat(millisSince(start)).isLessThan(500L);
			assertThat(gone.failures()).as("nothing was sent").isZero();
			assertThat(gone.skipped()).isEqualTo(3);
		}
		finally {
			// Let the last background attempt end before the client goes, so that it leaves nothing half made.
			long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
			while (gone.connecting() && System.nanoTime() < deadline) {
				Thread.sleep(20);
			}
			nowhere.destroy();
		}
	}

	@Test
	void aRedisThatRefusesConnectionsIsAskedAgainAfterPausesThatGrowNotByEveryDecision() throws Exception {
		LettuceConnectionFactory nowhere = new LettuceConnectionFactory(
				new RedisStandaloneConfiguration(redis.server().host(), LoopbackHttpServer.freePort()));
		nowhere.afterPropertiesSet();
		nowhere.start();
		RedisLimitBackend gone = new RedisLimitBackend(new RedisGcraStore(new ReactiveStringRedisTemplate(nowhere)),
				"t:", TIMEOUT, new CircuitBreaker(3, OPEN_FOR_NANOS, this.nanos::get), 2);
		try {
			LeakyBucketLimiter open = new LeakyBucketLimiter(
					LeakyBucketSettings.of("refused", "1000r/s", 4, "nodelay", 1, Duration.ZERO, "allow"), gone,
					this.clock, 10_000, true);
			// Decisions for 1.2 s, about one a millisecond: pauses of 100, 200, 400 and 800 ms leave room for at
			// most 5 attempts (timing slack: 6), not one per decision.
			long end = System.nanoTime() + Duration.ofMillis(1200).toNanos();
			int decisions = 0;
			while (System.nanoTime() < end) {
				assertThat(decide(open, "k" + (decisions % 10)).source()).isEqualTo(Source.FALLBACK);
				decisions++;
				Thread.sleep(1);
			}
			assertThat(decisions).isGreaterThan(300);
			assertThat(gone.connectAttempts()).isBetween(2L, 6L);
		}
		finally {
			long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
			while (gone.connecting() && System.nanoTime() < deadline) {
				Thread.sleep(20);
			}
			nowhere.destroy();
		}
	}

}
