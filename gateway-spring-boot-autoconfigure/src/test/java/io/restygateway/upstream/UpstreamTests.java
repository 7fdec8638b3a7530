package io.restygateway.upstream;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import io.restygateway.upstream.Upstream.Server;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The selection and health semantics of lua-resty-checkups, with an injected clock.
 */
class UpstreamTests {

	private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

	private final Clock clock = Clock.fixed(Instant.parse("2026-11-28T10:00:00Z"), ZoneOffset.UTC);

	static UpstreamDefinition.Server server(int port, int weight) {
		UpstreamDefinition.Server server = new UpstreamDefinition.Server();
		server.setHost("127.0.0.1");
		server.setPort(port);
		server.setWeight(weight);
		return server;
	}

	static UpstreamDefinition definition(List<List<UpstreamDefinition.Server>> levels) {
		UpstreamDefinition definition = new UpstreamDefinition();
		for (List<UpstreamDefinition.Server> servers : levels) {
			UpstreamDefinition.Level level = new UpstreamDefinition.Level();
			level.setServers(servers);
			definition.getLevels().add(level);
		}
		return definition;
	}

	private Upstream upstream(UpstreamDefinition definition) {
		return new Upstream(definition.toSpec("test"), this.nanos::get, this.clock);
	}

	private void advance(Duration duration) {
		this.nanos.addAndGet(duration.toNanos());
	}

	private static String name(Server server, Map<Integer, String> names) {
		return server == null ? "-" : names.getOrDefault(server.port(), "");
	}

	@Test
	void checkupsMultiLevelSequenceWhenEveryAttemptFails() {
		// round_robin.t TEST 3: every attempt fails, try = all six servers. The test sleeps for two seconds
		// first, so checkups' TCP heartbeat has marked the three fake (closed) ports as ERR.
		UpstreamDefinition definition = definition(List.of(List.of(server(12354, 2), server(12355, 3), server(12356, 2)),
				List.of(server(12357, 3), server(12358, 2), server(12359, 2))));
		definition.getHealth().getPassive().setMaxFails(0);
		definition.getHealth().getActive().setType("tcp");
		definition.getHealth().getActive().setUnhealthyThreshold(1);
		Upstream upstream = upstream(definition);
		for (Server server : upstream.servers()) {
			if (List.of(12354, 12357, 12359).contains(server.port())) {
				upstream.checked(server, false, "connection refused");
			}
		}
		Map<Integer, String> names = Map.of(12355, "E", 12356, "F", 12358, "H");
		StringBuilder out = new StringBuilder();
		for (int request = 0; request < 5; request++) {
			Set<String> tried = new HashSet<>();
			for (int attempt = 0; attempt < upstream.spec().tries(); attempt++) {
				Server server = upstream.choose(null, tried);
				out.append(name(server, names));
				upstream.failed(server, "fake");
				tried.add(server.id());
			}
			out.append(request < 4 ? " " : "");
		}
		assertThat(out).hasToString("EFH FEH EFH FEH EFH");
	}

	@Test
	void theNextLevelIsUsedOnlyWhenTheLevelBeforeHasNoSelectableServer() {
		Upstream upstream = upstream(definition(List.of(List.of(server(1, 1), server(2, 1)), List.of(server(3, 1)))));
		for (int i = 0; i < 10; i++) {
			assertThat(upstream.choose(null, Set.of()).level()).isZero();
		}
		assertThat(upstream.choose(null, Set.of("127.0.0.1:1", "127.0.0.1:2")).port()).isEqualTo(3);
		Server one = upstream.servers().get(0);
		Server two = upstream.servers().get(1);
		upstream.failed(one, "connection refused");
		upstream.failed(two, "connection refused");
		assertThat(upstream.choose(null, Set.of()).port()).isEqualTo(3);
	}

	@Test
	void passiveEjectionCountsFailuresInTheWindowAndLastsFailTimeout() {
		UpstreamDefinition definition = definition(List.of(List.of(server(1, 1), server(2, 1))));
		definition.getHealth().getPassive().setMaxFails(3);
		definition.getHealth().getPassive().setFailTimeout(Duration.ofSeconds(10));
		Upstream upstream = upstream(definition);
		Server one = upstream.servers().get(0);

		upstream.failed(one, "502");
		upstream.failed(one, "502");
		advance(Duration.ofSeconds(11));
		// The window expired: counting starts again, so this third failure does not eject.
		upstream.failed(one, "502");
		assertThat(reportOf(upstream, 0).status()).isEqualTo(HealthStatus.UNCHECKED);
		upstream.failed(one, "502");
		upstream.failed(one, "502");
		assertThat(reportOf(upstream, 0).status()).isEqualTo(HealthStatus.ERR);
		assertThat(reportOf(upstream, 0).ejections()).isEqualTo(1);
		for (int i = 0; i < 5; i++) {
			assertThat(upstream.choose(null, Set.of()).port()).isEqualTo(2);
		}
		advance(Duration.ofSeconds(10));
		assertThat(reportOf(upstream, 0).status()).isEqualTo(HealthStatus.UNCHECKED);
		Set<Integer> ports = new HashSet<>();
		for (int i = 0; i < 4; i++) {
			ports.add(upstream.choose(null, Set.of()).port());
		}
		assertThat(ports).containsExactlyInAnyOrder(1, 2);
	}

	@Test
	void theLastSelectableServerOfAProtectedUpstreamIsNeverEjected() {
		Upstream upstream = upstream(definition(List.of(List.of(server(1, 1), server(2, 1)))));
		upstream.failed(upstream.servers().get(0), "connection refused");
		upstream.failed(upstream.servers().get(1), "connection refused");
		assertThat(reportOf(upstream, 0).status()).isEqualTo(HealthStatus.ERR);
		assertThat(reportOf(upstream, 1).status()).isNotEqualTo(HealthStatus.ERR);
		assertThat(upstream.choose(null, Set.of()).port()).isEqualTo(2);
	}

	@Test
	void unprotectedEverythingCanBeEjectedAndThenNothingIsChosen() {
		UpstreamDefinition definition = definition(List.of(List.of(server(1, 1), server(2, 1))));
		definition.getHealth().setProtected(false);
		Upstream upstream = upstream(definition);
		upstream.failed(upstream.servers().get(0), "connection refused");
		upstream.failed(upstream.servers().get(1), "connection refused");
		assertThat(upstream.choose(null, Set.of())).isNull();
	}

	@Test
	void protectedWithNothingSelectableStillTriesTheLeastBadUntriedServer() {
		UpstreamDefinition definition = definition(List.of(List.of(server(1, 1)), List.of(server(2, 1))));
		definition.getHealth().getActive().setType("tcp");
		definition.getHealth().getActive().setUnhealthyThreshold(1);
		Upstream upstream = upstream(definition);
		Server one = upstream.servers().get(0);
		Server two = upstream.servers().get(1);
		upstream.checked(one, false, "connection refused");
		upstream.checked(two, false, "connection refused");
		assertThat(reportOf(upstream, 0).status()).isEqualTo(HealthStatus.ERR);
		assertThat(reportOf(upstream, 1).status()).isEqualTo(HealthStatus.UNSTABLE);
		assertThat(upstream.choose(null, Set.of()).port()).isEqualTo(2);
		// Server 2 failed this request too: the least-bad one left is still tried.
		assertThat(upstream.choose(null, Set.of("127.0.0.1:2")).port()).isEqualTo(1);
		assertThat(upstream.choose(null, Set.of("127.0.0.1:1", "127.0.0.1:2"))).isNull();
	}

	@Test
	void activeChecksUseTheirThresholdsAndUnstableBecomesErrOnceAnotherIsOk() {
		UpstreamDefinition definition = definition(List.of(List.of(server(1, 1), server(2, 1))));
		definition.getHealth().getActive().setType("http");
		Upstream upstream = upstream(definition);
		Server one = upstream.servers().get(0);
		Server two = upstream.servers().get(1);
		assertThat(reportOf(upstream, 0).status()).isEqualTo(HealthStatus.UNCHECKED);
		upstream.checked(one, true, "status 200");
		assertThat(reportOf(upstream, 0).status()).isEqualTo(HealthStatus.OK);
		assertThat(reportOf(upstream, 0).lastCheck()).isEqualTo(Instant.parse("2026-11-28T10:00:00Z"));
		upstream.checked(one, false, "status 503");
		upstream.checked(one, false, "status 503");
		assertThat(reportOf(upstream, 0).status()).isEqualTo(HealthStatus.OK);
		upstream.checked(one, false, "status 503");
		assertThat(reportOf(upstream, 0).status()).isEqualTo(HealthStatus.ERR);
		assertThat(reportOf(upstream, 0).message()).isEqualTo("status 503");
		for (int i = 0; i < 3; i++) {
			upstream.checked(two, false, "connection refused");
		}
		assertThat(reportOf(upstream, 1).status()).isEqualTo(HealthStatus.UNSTABLE);
		upstream.checked(one, true, "status 200");
		assertThat(reportOf(upstream, 0).status()).isEqualTo(HealthStatus.ERR);
		upstream.checked(one, true, "status 200");
		assertThat(reportOf(upstream, 0).status()).isEqualTo(HealthStatus.OK);
		assertThat(reportOf(upstream, 1).status()).isEqualTo(HealthStatus.ERR);
		for (int i = 0; i < 4; i++) {
			assertThat(upstream.choose(null, Set.of()).port()).isEqualTo(1);
		}
	}

	@Test
	void consistentHashKeepsAKeyOnItsServerAndMovesOnlyAFailedServersKeys() {
		List<UpstreamDefinition.Server> servers = List.of(server(1, 1), server(2, 1), server(3, 1), server(4, 1));
		UpstreamDefinition definition = definition(List.of(servers));
		definition.setBalancer("consistent-hash");
		definition.setHashKey(List.of("header:X-User-Id"));
		definition.getHealth().getPassive().setMaxFails(1);
		Upstream upstream = upstream(definition);
		Map<String, Integer> before = new java.util.HashMap<>();
		for (int user = 0; user < 200; user++) {
			int port = upstream.choose("u" + user, Set.of()).port();
			assertThat(upstream.choose("u" + user, Set.of()).port()).isEqualTo(port);
			before.put("u" + user, port);
		}
		Server two = upstream.servers().get(1);
		upstream.failed(two, "connection refused");
		for (int user = 0; user < 200; user++) {
			int port = upstream.choose("u" + user, Set.of()).port();
			if (before.get("u" + user) == 2) {
				assertThat(port).isNotEqualTo(2);
			}
			else {
				assertThat(port).isEqualTo(before.get("u" + user));
			}
		}
		// A retry of the same request goes to another server, never the one that failed it.
		String key = before.entrySet().stream().filter(e -> e.getValue() == 1).findFirst().orElseThrow().getKey();
		assertThat(upstream.choose(key, Set.of("127.0.0.1:1")).port()).isNotEqualTo(1);
	}

	@Test
	void aFailureLowersTheRoundRobinShareUntilItRecovers() {
		Upstream upstream = upstream(definition(List.of(List.of(server(1, 4), server(2, 4)))));
		upstream.failed(upstream.servers().get(0), "503");
		assertThat(reportOf(upstream, 0).effectiveWeight()).isEqualTo(2);
		assertThat(reportOf(upstream, 0).failures()).isEqualTo(1);
	}

	private static Upstream.ServerReport reportOf(Upstream upstream, int index) {
		return upstream.report().stream().flatMap(List::stream).toList().get(index);
	}

}
