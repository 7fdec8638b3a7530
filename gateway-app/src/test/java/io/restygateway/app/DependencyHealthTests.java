package io.restygateway.app;

import java.io.IOException;
import java.net.http.HttpResponse;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.restygateway.test.LoopbackHttpServer;
import io.restygateway.test.RedisServerExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A dependency that is configured counts in health: UP when it answers, DEGRADED (HTTP 200, the gateway still
 * serves) when it is down.
 */
class DependencyHealthTests {

	static int closedPort() {
		try {
			return LoopbackHttpServer.freePort();
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	static JsonNode json(HttpResponse<String> response) {
		return JsonMapper.builder().build().readTree(response.body());
	}

	@Nested
	@SpringBootTest(classes = GatewayApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
			// The host is set here, not below: whether Redis is in use is decided before dynamic properties exist.
			properties = { "management.server.port=0", "resty.demo.large-file-size=64KB",
					"spring.data.redis.host=127.0.0.1" })
	class RedisConfiguredAndRunning {

		@RegisterExtension
		static RedisServerExtension redis = new RedisServerExtension();

		@DynamicPropertySource
		static void redis(DynamicPropertyRegistry registry) {
			registry.add("spring.data.redis.port", () -> redis.server().port());
		}

		@LocalManagementPort
		int managementPort;

		@Test
		void redisCountsAndIsUp() throws Exception {
			HttpResponse<String> health = Http.getText("http://127.0.0.1:" + this.managementPort + "/actuator/health");
			assertThat(health.statusCode()).isEqualTo(200);
			JsonNode json = json(health);
			assertThat(json.at("/status").asString()).isEqualTo("UP");
			assertThat(json.at("/components/redis/status").asString()).isEqualTo("UP");
			assertThat(json.at("/components/redis/details/version").asString()).isNotBlank();
		}

	}

	@Nested
	@SpringBootTest(classes = GatewayApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
			properties = { "management.server.port=0", "resty.demo.large-file-size=64KB",
					"spring.data.redis.host=127.0.0.1", "spring.data.redis.connect-timeout=500ms" })
	class RedisConfiguredAndDown {

		@DynamicPropertySource
		static void redis(DynamicPropertyRegistry registry) {
			registry.add("spring.data.redis.port", DependencyHealthTests::closedPort);
		}

		@LocalServerPort
		int port;

		@LocalManagementPort
		int managementPort;

		@Test
		void theGatewayIsDegradedNotDownAndStillServes() throws Exception {
			HttpResponse<String> health = Http.getText("http://127.0.0.1:" + this.managementPort + "/actuator/health");
			assertThat(health.statusCode()).isEqualTo(200);
			JsonNode json = json(health);
			assertThat(json.at("/status").asString()).isEqualTo("DEGRADED");
			assertThat(json.at("/components/redis/status").asString()).isEqualTo("DEGRADED");
			assertThat(json.at("/components/redis/details/error").asString()).contains("Unable to connect to Redis");
			assertThat(Http.getText("http://127.0.0.1:" + this.port + "/demo/text").statusCode()).isEqualTo(200);
		}

	}

}
