package io.restygateway.app;

import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import io.restygateway.test.ConsulKvServer;
import io.restygateway.test.LoopbackHttpServer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Ordinary properties from Consul with Spring Cloud Consul Config ({@code spring.config.import=optional:consul:}),
 * beside (and apart from) the live route source: the gateway reads them from the in-process Consul KV server at
 * start-up, over HTTP, in Spring Cloud Consul's own layout ({@code config/application/<property>}); and with the
 * agent away, {@code optional:} lets the gateway start all the same, in bounded time.
 */
class ConsulConfigImportTests {

	static ConsulKvServer consul;

	@BeforeAll
	static void start() throws Exception {
		consul = ConsulKvServer.create();
		consul.start();
		consul.put("config/application/resty.test.greeting", "hello from consul");
	}

	@AfterAll
	static void stop() {
		consul.stop();
	}

	private static ConfigurableApplicationContext gateway(String host, int port) {
		// Command-line arguments: application.yml's ports (8080, 8081) would win over default properties.
		return new SpringApplicationBuilder(GatewayApplication.class).run("--server.port=0",
				"--management.server.port=0", "--resty.demo.enabled=false", "--resty.startup-report.enabled=false",
				"--spring.cloud.consul.host=" + host, "--spring.cloud.consul.port=" + port,
				"--spring.config.import=optional:consul:" + host + ":" + port,
				"--spring.cloud.consul.config.format=KEY_VALUE", "--spring.cloud.consul.config.watch.enabled=false",
				"--spring.cloud.consul.config.fail-fast=false");
	}

	@Test
	void propertiesUnderConfigApplicationAreReadAtStartUp() {
		try (ConfigurableApplicationContext context = gateway("127.0.0.1", consul.port())) {
			assertThat(context.getEnvironment().getProperty("resty.test.greeting")).isEqualTo("hello from consul");
			assertThat(consul.requests()).anyMatch(request -> request.path().startsWith("/v1/kv/config/"));
		}
	}

	@Test
	void anAgentThatIsNotThereDoesNotStopTheStart() throws Exception {
		int nowhere = LoopbackHttpServer.freePort();
		long start = System.nanoTime();
		try (ConfigurableApplicationContext context = gateway("127.0.0.1", nowhere)) {
			assertThat(context.isRunning()).isTrue();
			assertThat(context.getEnvironment().getProperty("resty.test.greeting")).isNull();
		}
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(60));
	}

}
