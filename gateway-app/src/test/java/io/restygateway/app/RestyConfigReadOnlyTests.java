package io.restygateway.app;

import java.net.http.HttpResponse;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.restygateway.test.LoopbackHttpServer;

import static io.restygateway.app.RestyConfigEndpointTests.json;
import static io.restygateway.app.RestyConfigEndpointTests.route;
import static io.restygateway.app.RestyConfigEndpointTests.set;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code management.endpoint.restyconfig.access=read-only}: the view answers, and every write (stage, install,
 * rollback) is refused with 405 and a message naming the property, its body drained so that the connection stays
 * usable, while nothing is staged or installed and the gateway serves as before.
 */
@SpringBootTest(classes = GatewayApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "management.server.port=0", "resty.demo.enabled=false",
				"management.endpoint.restyconfig.access=read-only" })
class RestyConfigReadOnlyTests {

	static final LoopbackHttpServer a = UpstreamRoutingTests.named("a");

	@LocalServerPort
	int port;

	@LocalManagementPort
	int managementPort;

	@DynamicPropertySource
	static void configuration(DynamicPropertyRegistry registry) {
		registry.add("spring.cloud.gateway.server.webflux.routes[0].id", () -> "local");
		registry.add("spring.cloud.gateway.server.webflux.routes[0].uri", a::url);
		registry.add("spring.cloud.gateway.server.webflux.routes[0].predicates[0]", () -> "Path=/local/**");
	}

	@AfterAll
	static void stop() {
		a.close();
	}

	String endpoint(String path) {
		return "http://127.0.0.1:" + this.managementPort + "/actuator/restyconfig" + path;
	}

	@Test
	void theViewAnswersAndEveryWriteIsRefusedWhileNothingChanges() throws Exception {
		HttpResponse<String> view = Http.getText(endpoint(""));
		assertThat(view.statusCode()).isEqualTo(200);
		assertThat(json(view).at("/sources/yaml/routes").toString()).isEqualTo("[\"local\"]");

		String good = set("shop", route("/shop/**", a.url()));
		for (String write : new String[] { "/stage", "/install", "/rollback/1" }) {
			HttpResponse<String> refused = Http.sendJson("POST", endpoint(write), good);
			assertThat(refused.statusCode()).as(write).isEqualTo(405);
			assertThat(json(refused).at("/message").asString()).as(write)
				.contains("read-only").contains("management.endpoint.restyconfig.access");
		}

		JsonNode after = json(Http.getText(endpoint("")));
		assertThat(after.at("/staged").isNull()).as("nothing staged").isTrue();
		assertThat(after.at("/current").asLong()).as("nothing installed").isZero();
		assertThat(after.at("/versions").size()).isZero();
		assertThat(Http.getText("http://127.0.0.1:" + this.port + "/shop/x").statusCode()).isEqualTo(404);
		assertThat(Http.getText("http://127.0.0.1:" + this.port + "/local/x").statusCode()).isEqualTo(200);
	}

}
