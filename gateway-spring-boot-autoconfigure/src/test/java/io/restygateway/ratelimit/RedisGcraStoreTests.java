package io.restygateway.ratelimit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Flux;

import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;

import io.restygateway.ratelimit.Gcra.Decision;
import io.restygateway.ratelimit.Gcra.Limit;
import io.restygateway.test.RedisServerExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The GCRA script against a real Redis: the same decisions as the Java algorithm, atomic under concurrency, the
 * key's expiry equal to its horizon, and a flushed script cache survived.
 */
class RedisGcraStoreTests {

	@RegisterExtension
	static RedisServerExtension redis = new RedisServerExtension();

	static LettuceConnectionFactory connections;

	static RedisGcraStore store;

	@BeforeAll
	static void connect() {
		connections = new LettuceConnectionFactory(
				new RedisStandaloneConfiguration(redis.server().host(), redis.server().port()));
		connections.afterPropertiesSet();
		connections.start();
		store = new RedisGcraStore(new ReactiveStringRedisTemplate(connections));
	}

	@AfterAll
	static void disconnect() {
		connections.destroy();
	}

	@Test
	void decidesExactlyAsTheJavaAlgorithmDoes() {
		Random random = new Random(7);
		for (int round = 0; round < 30; round++) {
			Limit limit = Limit.of(Rate.parse((1 + random.nextInt(50)) + "r/s"), random.nextInt(6));
			String key = "parity:" + round;
			long tat = Gcra.NO_STATE;
			long now = 1_700_000_000_000_000L + random.nextInt(1_000_000);
			for (int i = 0; i < 40; i++) {
				int cost = 1 + random.nextInt(limit.burst() + 1);
				Decision expected = Gcra.decide(tat, now, limit, cost);
				Decision actual = store.decide(key, limit, cost, 0, now).block(Duration.ofSeconds(5));
				assertThat(actual.allowed()).as("round %d request %d", round, i).isEqualTo(expected.allowed());
				assertThat(actual.remaining()).isEqualTo(expected.remaining());
				if (expected.allowed()) {
					assertThat(actual.excess()).isEqualTo(expected.excess());
					assertThat(actual.tat()).isEqualTo(expected.tat());
					tat = expected.tat();
				}
				else {
					assertThat(actual.retryAfter()).isEqualTo(expected.retryAfter());
				}
				now += random.nextInt(200_000);
			}
		}
	}

	@Test
	void twoHundredConcurrentDecisionsOnOneKeyAdmitExactlyBurstPlusOne() {
		Limit limit = Limit.of(Rate.parse("10r/s"), 5);
		List<Decision> decisions = Flux.range(0, 200)
			.flatMap(i -> store.decide("atomic", limit, 1, 0, 1_800_000_000_000_000L), 200)
			.collectList()
			.block(Duration.ofSeconds(30));
		assertThat(decisions).hasSize(200);
		assertThat(decisions.stream().filter(Decision::allowed).count()).isEqualTo(6);
	}

	@Test
	void theKeyLivesAsLongAsItsHorizonEvenBelowOneRequestPerSecond() throws Exception {
		Limit limit = Limit.of(Rate.parse("1r/m"), 2);
		List<Boolean> admitted = new ArrayList<>();
		for (int i = 0; i < 4; i++) {
			admitted.add(store.decide("slow", limit, 1).block(Duration.ofSeconds(5)).allowed());
		}
		assertThat(admitted).containsExactly(true, true, true, false);
		long pttl = Long.parseLong(redis.server().command("PTTL", "slow"));
		assertThat(pttl).isBetween(179_000L, 180_000L);
	}

	@Test
	void aFlushedScriptCacheIsSurvived() throws Exception {
		Limit limit = Limit.of(Rate.parse("100r/s"), 10);
		assertThat(store.decide("flush", limit, 1).block(Duration.ofSeconds(5)).allowed()).isTrue();
		assertThat(redis.server().command("SCRIPT", "FLUSH")).isEqualTo("OK");
		assertThat(store.decide("flush", limit, 1).block(Duration.ofSeconds(5)).allowed()).isTrue();
	}

	@Test
	void aBanIsKeptInTheSameKeyForItsLength() throws Exception {
		Limit limit = Limit.of(Rate.parse("2r/s"), 0);
		long ms = 1000;
		long start = 1_900_000_000_000_000L;
		StringBuilder out = new StringBuilder();
		long state = Gcra.NO_STATE;
		for (int i = 0; i < 13; i++) {
			Decision expected = Gcra.decide(state, start + i * 200 * ms, limit, 1, 2_000 * ms);
			Decision actual = store.decide("banned", limit, 1, 2_000 * ms, start + i * 200 * ms)
				.block(Duration.ofSeconds(5));
			assertThat(actual.allowed()).isEqualTo(expected.allowed());
			assertThat(actual.retryAfter()).isEqualTo(expected.retryAfter());
			out.append(actual.allowed() ? 'A' : 'R');
			state = expected.tat();
		}
		assertThat(out).hasToString("ARRRRRRRRRRAR");
		// On Redis's own clock the ban key expires with the ban.
		assertThat(store.decide("banned-live", limit, 1, 2_000 * ms).block(Duration.ofSeconds(5)).allowed()).isTrue();
		assertThat(store.decide("banned-live", limit, 1, 2_000 * ms).block(Duration.ofSeconds(5)).allowed()).isFalse();
		assertThat(redis.server().command("GET", "banned-live")).startsWith("b");
		assertThat(Long.parseLong(redis.server().command("PTTL", "banned-live"))).isBetween(1_900L, 2_000L);
	}

}
