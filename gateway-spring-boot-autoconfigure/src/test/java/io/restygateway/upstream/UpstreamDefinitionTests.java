package io.restygateway.upstream;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.restygateway.upstream.UpstreamSpec.Balancer;
import io.restygateway.upstream.UpstreamSpec.CheckType;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class UpstreamDefinitionTests {

	private static UpstreamDefinition twoServers() {
		return UpstreamTests.definition(List.of(List.of(UpstreamTests.server(8080, 2), UpstreamTests.server(8081, 1))));
	}

	@Test
	void defaultsAreNginxsWhereNginxHasOne() {
		UpstreamSpec spec = twoServers().toSpec("shop");
		assertThat(spec.name()).isEqualTo("shop");
		assertThat(spec.balancer()).isEqualTo(Balancer.ROUND_ROBIN);
		assertThat(spec.hashKey()).isNull();
		assertThat(spec.tries()).as("try defaults to the number of servers").isEqualTo(2);
		assertThat(spec.tryTimeout()).isZero();
		assertThat(spec.retryOn().connectFailure()).isTrue();
		assertThat(spec.retryOn().timeout()).isTrue();
		assertThat(spec.retryOn().statuses().isEmpty()).isTrue();
		assertThat(spec.active().type()).isEqualTo(CheckType.NONE);
		assertThat(spec.passive().maxFails()).isEqualTo(1);
		assertThat(spec.passive().failTimeout()).isEqualTo(Duration.ofSeconds(10));
		assertThat(spec.passive().statuses().contains(502)).isTrue();
		assertThat(spec.passive().statuses().contains(500)).isFalse();
		assertThat(spec.protect()).isTrue();
		assertThat(spec.levels().get(0).servers().get(0).weight()).isEqualTo(2);
		assertThat(spec.levels().get(0).servers().get(0).maxFails()).isEqualTo(1);
	}

	@Test
	void theIssuesExampleConverts() {
		UpstreamDefinition definition = twoServers();
		definition.setBalancer("consistent-hash");
		definition.setHashKey(List.of("header:X-User-Id", "ip"));
		definition.setTry(3);
		definition.setTryTimeout(Duration.ofSeconds(3));
		definition.setRetryOn(List.of("connect-failure", "timeout", "502", "503", "504"));
		definition.getLevels().get(0).getServers().get(0).setMaxFails(3);
		definition.getLevels().get(0).getServers().get(0).setFailTimeout(Duration.ofSeconds(10));
		definition.getHealth().getActive().setType("http");
		definition.getHealth().getActive().setPath("/health");
		definition.getHealth().getActive().setStatuses(List.of("200-399"));
		definition.getHealth().getPassive().setStatuses(List.of("500", "502", "503", "504"));
		UpstreamSpec spec = definition.toSpec("shop");
		assertThat(spec.balancer()).isEqualTo(Balancer.CONSISTENT_HASH);
		assertThat(spec.hashKey()).hasToString("header:X-User-Id, ip");
		assertThat(spec.tries()).isEqualTo(3);
		assertThat(spec.retryOn().statuses().contains(503)).isTrue();
		assertThat(spec.active().type()).isEqualTo(CheckType.HTTP);
		assertThat(spec.active().statuses().contains(399)).isTrue();
		assertThat(spec.active().statuses().contains(400)).isFalse();
		assertThat(spec.levels().get(0).servers().get(0).maxFails()).isEqualTo(3);
	}

	private static void rejects(UpstreamDefinition definition, String field, String problem) {
		assertThatThrownBy(() -> definition.toSpec("shop")).isInstanceOfSatisfying(InvalidUpstreamException.class,
				ex -> {
					assertThat(ex.field()).isEqualTo(field);
					assertThat(ex.getMessage()).startsWith(field + ": ").contains(problem);
				});
	}

	@Test
	void everyBadFieldIsNamed() {
		UpstreamDefinition badPort = twoServers();
		badPort.getLevels().get(0).getServers().get(1).setPort(0);
		rejects(badPort, "levels[0].servers[1].port", "must be between 1 and 65535, was 0");

		UpstreamDefinition noHost = twoServers();
		noHost.getLevels().get(0).getServers().get(0).setHost(" ");
		rejects(noHost, "levels[0].servers[0].host", "required");

		UpstreamDefinition badWeight = twoServers();
		badWeight.getLevels().get(0).getServers().get(0).setWeight(0);
		rejects(badWeight, "levels[0].servers[0].weight", "between 1 and 10000");

		UpstreamDefinition twice = twoServers();
		twice.getLevels().get(0).getServers().get(1).setPort(8080);
		rejects(twice, "levels[0].servers[1]", "127.0.0.1:8080 appears twice");

		UpstreamDefinition noLevels = new UpstreamDefinition();
		rejects(noLevels, "levels", "at least one level");

		UpstreamDefinition emptyLevel = twoServers();
		emptyLevel.getLevels().add(new UpstreamDefinition.Level());
		rejects(emptyLevel, "levels[1].servers", "at least one server");

		UpstreamDefinition balancer = twoServers();
		balancer.setBalancer("least-conn");
		rejects(balancer, "balancer", "'least-conn' is not a balancer");

		UpstreamDefinition hashKey = twoServers();
		hashKey.setBalancer("consistent-hash");
		hashKey.setHashKey(List.of("host"));
		rejects(hashKey, "hash-key", "'host' is not a request key");

		UpstreamDefinition hashKeyWithoutHash = twoServers();
		hashKeyWithoutHash.setHashKey(List.of("ip"));
		rejects(hashKeyWithoutHash, "hash-key", "only used with balancer: consistent-hash");

		UpstreamDefinition tries = twoServers();
		tries.setTry(0);
		rejects(tries, "try", "at least 1");

		UpstreamDefinition retryOn = twoServers();
		retryOn.setRetryOn(List.of("connect-failure", "5xx"));
		rejects(retryOn, "retry-on", "'5xx' is not a status code");

		UpstreamDefinition checkType = twoServers();
		checkType.getHealth().getActive().setType("icmp");
		rejects(checkType, "health.active.type", "'icmp' is not a check type");

		UpstreamDefinition path = twoServers();
		path.getHealth().getActive().setType("http");
		path.getHealth().getActive().setPath("health");
		rejects(path, "health.active.path", "must start with '/'");

		UpstreamDefinition interval = twoServers();
		interval.getHealth().getActive().setInterval(Duration.ZERO);
		rejects(interval, "health.active.interval", "positive duration");

		UpstreamDefinition statuses = twoServers();
		statuses.getHealth().getActive().setStatuses(List.of("200-600"));
		rejects(statuses, "health.active.statuses", "within 100-599");

		UpstreamDefinition maxFails = twoServers();
		maxFails.getHealth().getPassive().setMaxFails(-1);
		rejects(maxFails, "health.passive.max-fails", "at least 0");
	}

	@Test
	void badNamesAreRefused() {
		assertThatThrownBy(() -> twoServers().toSpec("shop/../x")).isInstanceOf(InvalidUpstreamException.class)
			.hasMessageStartingWith("name: ");
	}

}
