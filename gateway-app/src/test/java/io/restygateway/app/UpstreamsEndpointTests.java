package io.restygateway.app;

import java.net.http.HttpResponse;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.restygateway.test.LoopbackHttpServer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code upstreams} endpoint: reading every upstream's state, creating, replacing and deleting one at run time,
 * and refusing bad input with the field at fault while the old upstream keeps serving.
 */
@SpringBootTest(classes = GatewayApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "management.server.port=0", "resty.demo.enabled=false" })
class UpstreamsEndpointTests {

	static final LoopbackHttpServer one = UpstreamRoutingTests.named("one");

	static final LoopbackHttpServer two = UpstreamRoutingTests.named("two");

	@LocalServerPort
	int port;

	@LocalManagementPort
	int managementPort;

	@DynamicPropertySource
	static void configuration(DynamicPropertyRegistry registry) {
		UpstreamRoutingTests.route(registry, 0, "shop", "/shop/**");
		UpstreamRoutingTests.route(registry, 1, "fresh", "/fresh/**");
		UpstreamRoutingTests.server(registry, "shop", 0, 0, one, 3);
		registry.add("resty.upstreams.shop.health.passive.max-fails", () -> 2);
	}

	@AfterAll
	static void stop() {
		one.close();
		two.close();
	}

	String endpoint(String path) {
		return "http://127.0.0.1:" + this.managementPort + "/actuator/upstreams" + path;
	}

	HttpResponse<String> gateway(String path) throws Exception {
		return Http.getText("http://127.0.0.1:" + this.port + path);
	}

	static JsonNode json(HttpResponse<String> response) {
		return JsonMapper.builder().build().readTree(response.body());
	}

	@Test
	void listsEveryUpstreamLevelAndServerWithItsState() throws Exception {
		assertThat(gateway("/shop/x").body()).isEqualTo("one");
		HttpResponse<String> all = Http.getText(endpoint(""));
		assertThat(all.statusCode()).isEqualTo(200);
		JsonNode shop = json(all).at("/upstreams/shop");
		assertThat(shop.at("/balancer").asString()).isEqualTo("round-robin");
		assertThat(shop.at("/health/passive/max-fails").asInt()).isEqualTo(2);
		JsonNode server = shop.at("/levels/0/servers/0");
		assertThat(server.at("/server").asString()).isEqualTo("127.0.0.1:" + one.port());
		assertThat(server.at("/status").asString()).isEqualTo("unchecked");
		assertThat(server.at("/weight").asInt()).isEqualTo(3);
		assertThat(server.at("/effective-weight").asInt()).isEqualTo(3);
		assertThat(server.at("/requests").asLong()).isGreaterThanOrEqualTo(1);

		assertThat(Http.getText(endpoint("/shop")).statusCode()).isEqualTo(200);

		String metrics = "http://127.0.0.1:" + this.managementPort + "/actuator/metrics/";
		HttpResponse<String> requests = Http.getText(metrics + "resty.upstream.requests?tag=upstream:shop");
		assertThat(requests.statusCode()).isEqualTo(200);
		assertThat(json(requests).at("/measurements/0/value").asDouble()).isGreaterThanOrEqualTo(1);
		HttpResponse<String> selectable = Http.getText(metrics + "resty.upstream.selectable?tag=upstream:shop");
		assertThat(json(selectable).at("/measurements/0/value").asDouble()).isEqualTo(1);

		HttpResponse<String> missing = Http.getText(endpoint("/nothing"));
		assertThat(missing.statusCode()).isEqualTo(404);
		assertThat(missing.body()).contains("upstream nothing not found");
	}

	@Test
	void createsReplacesAndDeletesAnUpstreamAtRunTime() throws Exception {
		assertThat(gateway("/fresh/x").statusCode()).as("no upstream, no instance").isEqualTo(503);

		HttpResponse<String> created = Http.sendJson("POST", endpoint("/fresh"), """
				{"balancer": "round-robin", "try-timeout": "2s", "retry-on": ["connect-failure", "503"],
				 "levels": [{"servers": [{"host": "127.0.0.1", "port": %d, "weight": 2, "fail-timeout": "5s"}]}],
				 "health": {"passive": {"max-fails": 3}, "protected": true}}
				""".formatted(one.port()));
		assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
		assertThat(json(created).at("/definition/try-timeout").asString()).isEqualTo("2s");
		assertThat(json(created).at("/definition/levels/0/servers/0/fail-timeout").asString()).isEqualTo("5s");
		assertThat(gateway("/fresh/x").body()).isEqualTo("one");

		HttpResponse<String> replaced = Http.sendJson("PUT", endpoint("/fresh"), """
				{"levels": [{"servers": [{"host": "127.0.0.1", "port": %d}]}]}
				""".formatted(two.port()));
		assertThat(replaced.statusCode()).isEqualTo(200);
		for (int i = 0; i < 3; i++) {
			assertThat(gateway("/fresh/x").body()).isEqualTo("two");
		}

		HttpResponse<byte[]> deleted = Http.send("DELETE", endpoint("/fresh"));
		assertThat(deleted.statusCode()).isEqualTo(200);
		assertThat(Http.getText(endpoint("/fresh")).statusCode()).isEqualTo(404);
		assertThat(gateway("/fresh/x").statusCode()).isEqualTo(503);
		assertThat(Http.send("DELETE", endpoint("/fresh")).statusCode()).isEqualTo(404);
	}

	@Test
	void badInputGets400NamingTheFieldAndTheOldUpstreamKeepsServing() throws Exception {
		expectBad("{\"levels\": [{\"servers\": [{\"host\": \"127.0.0.1\", \"port\": 0}]}]}", "levels[0].servers[0].port",
				"must be between 1 and 65535");
		expectBad("{\"levels\": [{\"servers\": [{\"hots\": \"127.0.0.1\", \"port\": 80}]}]}",
				"levels[0].servers[0].hots", "is not a field of an upstream");
		expectBad("{\"levels\": [{\"servers\": [{\"host\": \"127.0.0.1\", \"port\": \"eighty\"}]}]}",
				"levels[0].servers[0].port", "cannot read 'eighty'");
		expectBad("{\"try-timeout\": \"soon\", \"levels\": [{\"servers\": [{\"host\": \"h\", \"port\": 80}]}]}",
				"try-timeout", "cannot read 'soon'");
		expectBad("{\"levels\": []}", "levels", "at least one level");
		expectBad("{\"levels\": [{\"servers\": [", "body", "not valid JSON");
		expectBad("[1, 2]", "body", "must be a JSON object");
		expectBad("", "body", "required");
		HttpResponse<String> badName = Http.sendJson("POST", endpoint("/bad%20name"), "{}");
		assertThat(badName.statusCode()).isEqualTo(400);

		for (int i = 0; i < 3; i++) {
			assertThat(gateway("/shop/x").body()).isEqualTo("one");
		}
		assertThat(json(Http.getText(endpoint("/shop"))).at("/levels/0/servers/0/server").asString())
			.isEqualTo("127.0.0.1:" + one.port());
	}

	private void expectBad(String body, String field, String message) throws Exception {
		HttpResponse<String> response = Http.sendJson("POST", endpoint("/shop"), body);
		assertThat(response.statusCode()).as(body).isEqualTo(400);
		JsonNode json = json(response);
		assertThat(json.at("/field").asString()).as(body).isEqualTo(field);
		assertThat(json.at("/message").asString()).as(body).startsWith(field + ": ").contains(message);
	}

}
