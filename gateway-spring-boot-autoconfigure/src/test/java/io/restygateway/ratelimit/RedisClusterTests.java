package io.restygateway.ratelimit;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.data.redis.connection.RedisClusterConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;

import io.restygateway.ratelimit.Gcra.Limit;
import io.restygateway.test.RedisServer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The GCRA script on a real three-node Redis Cluster (three real redis-server processes, slots split between them):
 * one key per call, so every decision runs on the node that owns its bucket, and a flushed script cache on every
 * node is survived.
 */
class RedisClusterTests {

	static final List<RedisServer> nodes = new ArrayList<>();

	static LettuceConnectionFactory connections;

	static RedisGcraStore store;

	@BeforeAll
	static void cluster() throws Exception {
		for (int i = 0; i < 3; i++) {
			nodes.add(RedisServer.start("--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
					"--cluster-node-timeout", "2000"));
		}
		int share = 16384 / 3 + 1;
		for (int i = 0; i < 3; i++) {
			List<String> command = new ArrayList<>(List.of("CLUSTER", "ADDSLOTS"));
			for (int slot = i * share; slot < Math.min((i + 1) * share, 16384); slot++) {
				command.add(Integer.toString(slot));
			}
			assertThat(nodes.get(i).command(command.toArray(String[]::new))).isEqualTo("OK");
		}
		for (int i = 1; i < 3; i++) {
			assertThat(nodes.get(0).command("CLUSTER", "MEET", "127.0.0.1", Integer.toString(nodes.get(i).port())))
				.isEqualTo("OK");
		}
		long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
		while (!allOk()) {
			assertThat(System.nanoTime()).as("cluster_state:ok within 30 s").isLessThan(deadline);
			Thread.sleep(100);
		}
		List<String> seeds = nodes.stream().map(node -> "127.0.0.1:" + node.port()).toList();
		connections = new LettuceConnectionFactory(new RedisClusterConfiguration(seeds));
		connections.afterPropertiesSet();
		connections.start();
		store = new RedisGcraStore(new ReactiveStringRedisTemplate(connections));
	}

	static boolean allOk() throws IOException {
		for (RedisServer node : nodes) {
			if (!node.command("CLUSTER", "INFO").contains("cluster_state:ok")) {
				return false;
			}
		}
		return true;
	}

	@AfterAll
	static void stop() {
		if (connections != null) {
			connections.destroy();
		}
		nodes.forEach(RedisServer::stop);
	}

	@Test
	void bucketsOnEveryNodeDecideAsOneServerWould() throws Exception {
		Limit limit = Limit.of(Rate.parse("10r/s"), 5);
		Set<Integer> owners = new HashSet<>();
		for (int k = 0; k < 12; k++) {
			String key = "resty:rl:cluster:client-" + k;
			int admitted = 0;
			for (int i = 0; i < 8; i++) {
				if (store.decide(key, limit, 1, 0, 1_700_000_000_000_000L).block(Duration.ofSeconds(5)).allowed()) {
					admitted++;
				}
			}
			assertThat(admitted).as(key).isEqualTo(6);
			int holders = 0;
			for (int n = 0; n < nodes.size(); n++) {
				if ("1".equals(nodes.get(n).command("EXISTS", key))) {
					owners.add(n);
					holders++;
				}
			}
			assertThat(holders).as("one node holds " + key).isEqualTo(1);
		}
		assertThat(owners).as("the buckets are spread over the nodes").hasSizeGreaterThan(1);
	}

	@Test
	void aScriptCacheFlushedOnEveryNodeIsSurvived() throws Exception {
		Limit limit = Limit.of(Rate.parse("100r/s"), 10);
		for (int k = 0; k < 6; k++) {
			assertThat(store.decide("resty:rl:flush:" + k, limit, 1).block(Duration.ofSeconds(5)).allowed()).isTrue();
		}
		for (RedisServer node : nodes) {
			assertThat(node.command("SCRIPT", "FLUSH")).isEqualTo("OK");
		}
		for (int k = 0; k < 6; k++) {
			assertThat(store.decide("resty:rl:flush:" + k, limit, 1).block(Duration.ofSeconds(5)).allowed()).isTrue();
		}
	}

}
