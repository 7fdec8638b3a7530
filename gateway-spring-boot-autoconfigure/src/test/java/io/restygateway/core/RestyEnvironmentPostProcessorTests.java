package io.restygateway.core;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.boot.SpringApplication;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

class RestyEnvironmentPostProcessorTests {

	private final RestyEnvironmentPostProcessor processor = new RestyEnvironmentPostProcessor();

	private StandardEnvironment process(Map<String, Object> properties) {
		StandardEnvironment environment = new StandardEnvironment();
		environment.getPropertySources().addFirst(new MapPropertySource("test", properties));
		this.processor.postProcessEnvironment(environment, new SpringApplication());
		return environment;
	}

	@Test
	void unconfiguredDependenciesAreSwitchedOff() {
		StandardEnvironment environment = process(Map.of());
		assertThat(environment.getProperty("spring.cloud.consul.enabled")).isEqualTo("false");
		assertThat(environment.getProperty("management.health.redis.enabled")).isEqualTo("false");
		assertThat(environment.getProperty("management.endpoint.health.status.order"))
			.isEqualTo("DOWN,OUT_OF_SERVICE,DEGRADED,UP,UNKNOWN");
	}

	@Test
	void configuredDependenciesAreLeftOn() {
		StandardEnvironment environment = process(
				Map.of("spring.data.redis.host", "127.0.0.1", "spring.config.import", "optional:consul:"));
		assertThat(environment.getProperty("spring.cloud.consul.enabled")).isNull();
		assertThat(environment.getProperty("management.health.redis.enabled")).isNull();
	}

	@Test
	void theUsersOwnValuesWin() {
		StandardEnvironment environment = process(Map.of("management.health.redis.enabled", "true",
				"management.endpoint.health.status.order", "DOWN,UP"));
		assertThat(environment.getProperty("management.health.redis.enabled")).isEqualTo("true");
		assertThat(environment.getProperty("management.endpoint.health.status.order")).isEqualTo("DOWN,UP");
	}

	@Test
	void aConsulImportInAListKeepsConsulOn() {
		StandardEnvironment environment = process(
				Map.of("spring.config.import[0]", "optional:file:./x.yml", "spring.config.import[1]", "consul:agent:8500"));
		assertThat(environment.getProperty("spring.cloud.consul.enabled")).isNull();
	}

	@Test
	void theLiveConsulSourceAloneLeavesConsulOnButItsConfigImportOff() {
		StandardEnvironment environment = process(Map.of("resty.consul.enabled", "true"));
		assertThat(environment.getProperty("spring.cloud.consul.enabled")).isNull();
		// Spring Cloud Consul Config would otherwise fail the start for want of a consul: import.
		assertThat(environment.getProperty("spring.cloud.consul.config.enabled")).isEqualTo("false");
	}

	@Test
	void theLiveConsulSourceBesideAConsulImportLeavesConsulConfigOn() {
		StandardEnvironment environment = process(
				Map.of("resty.consul.enabled", "true", "spring.config.import", "optional:consul:"));
		assertThat(environment.getProperty("spring.cloud.consul.config.enabled")).isNull();
	}

	@Test
	void whenRestyIsDisabledOnlyTheCarriedDependenciesAreKeptQuiet() {
		withoutNettyProperties(() -> {
			StandardEnvironment environment = process(Map.of("resty.enabled", "false"));
			// Without these a gateway with the starter switched off would not start (Consul Config's import check),
			// which a gateway without the starter does.
			assertThat(environment.getProperty("spring.cloud.consul.enabled")).isEqualTo("false");
			assertThat(environment.getProperty("management.health.redis.enabled")).isEqualTo("false");
			assertThat(environment.getProperty("management.endpoint.health.status.order")).isNull();
			assertThat(environment.getProperty("spring.cloud.gateway.server.webflux.metrics.enabled")).isNull();
			assertThat(environment.getProperty("spring.cloud.gateway.server.webflux.observability.enabled")).isNull();
			assertThat(environment.getProperty("management.observations.enable.http.server.requests")).isNull();
			assertThat(environment.getProperty("spring.cloud.gateway.server.webflux.route-filter-cache-enabled"))
				.isNull();
			assertThat(System.getProperty(RestyEnvironmentPostProcessor.IO_WORKER_COUNT)).isNull();
			assertThat(System.getProperty(RestyEnvironmentPostProcessor.NETTY_REFLECTION)).isNull();
		});
	}

	@Test
	void whenRestyIsDisabledAConfiguredConsulIsLeftOn() {
		StandardEnvironment environment = process(
				Map.of("resty.enabled", "false", "spring.config.import", "optional:consul:"));
		assertThat(environment.getProperty("spring.cloud.consul.enabled")).isNull();
		assertThat(environment.getProperty("spring.cloud.consul.config.enabled")).isNull();
	}

	@Test
	void runsBetweenConfigDataLoadingAndConsulsImportCheck() {
		assertThat(this.processor.getOrder()).isGreaterThan(Integer.MIN_VALUE + 10).isLessThan(Integer.MIN_VALUE + 1010);
	}

	@Test
	void perRequestMetricsAreOffAndRouteFiltersSortedOnce() {
		StandardEnvironment environment = process(Map.of());
		assertThat(environment.getProperty("spring.cloud.gateway.server.webflux.metrics.enabled")).isEqualTo("false");
		assertThat(environment.getProperty("spring.cloud.gateway.server.webflux.observability.enabled"))
			.isEqualTo("false");
		assertThat(environment.getProperty("management.observations.enable.http.server.requests")).isEqualTo("false");
		assertThat(environment.getProperty("spring.cloud.gateway.server.webflux.route-filter-cache-enabled"))
			.isEqualTo("true");
	}

	@Test
	void oneSwitchTurnsTheRequestMetricsBackOn() {
		StandardEnvironment environment = process(Map.of("resty.request-metrics.enabled", "true"));
		assertThat(environment.getProperty("spring.cloud.gateway.server.webflux.metrics.enabled")).isNull();
		assertThat(environment.getProperty("spring.cloud.gateway.server.webflux.observability.enabled")).isNull();
		assertThat(environment.getProperty("management.observations.enable.http.server.requests")).isNull();
	}

	@Test
	void oneEventLoopPerCpuUnlessTheJvmWasToldOtherwise() {
		withoutNettyProperties(() -> {
			process(Map.of());
			assertThat(System.getProperty(RestyEnvironmentPostProcessor.IO_WORKER_COUNT))
				.isEqualTo(Integer.toString(Runtime.getRuntime().availableProcessors()));
			System.clearProperty(RestyEnvironmentPostProcessor.IO_WORKER_COUNT);
			process(Map.of("resty.netty.io-workers", "3"));
			assertThat(System.getProperty(RestyEnvironmentPostProcessor.IO_WORKER_COUNT)).isEqualTo("3");
			System.setProperty(RestyEnvironmentPostProcessor.IO_WORKER_COUNT, "7");
			process(Map.of("resty.netty.io-workers", "3"));
			assertThat(System.getProperty(RestyEnvironmentPostProcessor.IO_WORKER_COUNT)).isEqualTo("7");
		});
	}

	@Test
	void nettyMayFreeItsDirectBuffersItselfUnlessTheJvmOrTheUserSaysOtherwise() {
		withoutNettyProperties(() -> {
			process(Map.of());
			assertThat(System.getProperty(RestyEnvironmentPostProcessor.NETTY_REFLECTION)).isEqualTo("true");
			System.clearProperty(RestyEnvironmentPostProcessor.NETTY_REFLECTION);
			process(Map.of("resty.netty.direct-buffer-no-cleaner", "false"));
			assertThat(System.getProperty(RestyEnvironmentPostProcessor.NETTY_REFLECTION)).isNull();
			System.setProperty(RestyEnvironmentPostProcessor.NETTY_REFLECTION, "false");
			process(Map.of());
			assertThat(System.getProperty(RestyEnvironmentPostProcessor.NETTY_REFLECTION)).isEqualTo("false");
		});
	}

	/**
	 * Runs {@code body} with the JVM system properties that the post-processor sets ({@value
	 * RestyEnvironmentPostProcessor#IO_WORKER_COUNT}, {@value RestyEnvironmentPostProcessor#NETTY_REFLECTION}) unset,
	 * and puts them back after.
	 */
	private static void withoutNettyProperties(Runnable body) {
		List<String> names = List.of(RestyEnvironmentPostProcessor.IO_WORKER_COUNT,
				RestyEnvironmentPostProcessor.NETTY_REFLECTION);
		Map<String, String> before = new HashMap<>();
		names.forEach(name -> before.put(name, System.getProperty(name)));
		try {
			names.forEach(System::clearProperty);
			body.run();
		}
		finally {
			names.forEach(name -> {
				if (before.get(name) == null) {
					System.clearProperty(name);
				}
				else {
					System.setProperty(name, before.get(name));
				}
			});
		}
	}

}
