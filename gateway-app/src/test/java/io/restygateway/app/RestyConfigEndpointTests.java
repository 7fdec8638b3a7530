package io.restygateway.app;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer.OrderAnnotation;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
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
 * The {@code restyconfig} endpoint on a gateway without Consul: the view of every source, every bad input refused
 * with 4xx naming the key and the field while nothing changes, a stage, install and rollback round trip served by
 * the gateway, the last ten versions kept, and the endpoint exposed on the management port only.
 */
@SpringBootTest(classes = GatewayApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "management.server.port=0", "resty.demo.enabled=false" })
@TestMethodOrder(OrderAnnotation.class)
class RestyConfigEndpointTests {

	static final LoopbackHttpServer a = UpstreamRoutingTests.named("a");

	static final LoopbackHttpServer b = UpstreamRoutingTests.named("b");

	@LocalServerPort
	int port;

	@LocalManagementPort
	int managementPort;

	@DynamicPropertySource
	static void configuration(DynamicPropertyRegistry registry) {
		registry.add("spring.cloud.gateway.server.webflux.routes[0].id", () -> "local");
		registry.add("spring.cloud.gateway.server.webflux.routes[0].uri", a::url);
		registry.add("spring.cloud.gateway.server.webflux.routes[0].predicates[0]", () -> "Path=/local/**");
		UpstreamRoutingTests.server(registry, "yamlpool", 0, 0, a, 1);
	}

	@AfterAll
	static void stop() {
		a.close();
		b.close();
	}

	String endpoint(String path) {
		return "http://127.0.0.1:" + this.managementPort + "/actuator/restyconfig" + path;
	}

	HttpResponse<String> post(String path, String body) throws Exception {
		return Http.sendJson("POST", endpoint(path), body);
	}

	HttpResponse<String> gateway(String path) throws Exception {
		return Http.getText("http://127.0.0.1:" + this.port + path);
	}

	JsonNode view() throws Exception {
		HttpResponse<String> view = Http.getText(endpoint(""));
		assertThat(view.statusCode()).isEqualTo(200);
		return json(view);
	}

	static JsonNode json(HttpResponse<String> response) {
		return JsonMapper.builder().build().readTree(response.body());
	}

	static String route(String path, String uri) {
		return "{\"uri\":\"" + uri + "\",\"predicates\":[\"Path=" + path + "\"]}";
	}

	static String upstream(LoopbackHttpServer server) {
		return "{\"levels\":[{\"servers\":[{\"host\":\"127.0.0.1\",\"port\":" + server.port() + "}]}]}";
	}

	/** A set: pairs of route id and document, then "upstreams", then pairs of name and document. */
	static String set(String... parts) {
		StringBuilder routes = new StringBuilder();
		StringBuilder upstreams = new StringBuilder();
		StringBuilder into = routes;
		for (int i = 0; i < parts.length; i++) {
			if (parts[i].equals("upstreams")) {
				into = upstreams;
				continue;
			}
			into.append(into.isEmpty() ? "" : ",").append('"').append(parts[i]).append("\":").append(parts[++i]);
		}
		return "{\"routes\":{" + routes + "},\"upstreams\":{" + upstreams + "}}";
	}

	void await(String path, Predicate<HttpResponse<String>> condition) throws Exception {
		long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
		HttpResponse<String> last;
		do {
			last = gateway(path);
			if (condition.test(last)) {
				return;
			}
			Thread.sleep(10);
		}
		while (System.nanoTime() < deadline);
		throw new AssertionError(path + ": last answer " + last.statusCode() + " " + last.body());
	}

	static Predicate<HttpResponse<String>> answers(String body) {
		return response -> response.statusCode() == 200 && response.body().equals(body);
	}

	static Predicate<HttpResponse<String>> status(int status) {
		return response -> response.statusCode() == status;
	}

	@Test
	@Order(1)
	void theViewShowsEachSourceBeforeAnythingIsInstalled() throws Exception {
		JsonNode view = view();
		assertThat(view.at("/sources/yaml/routes").toString()).isEqualTo("[\"local\"]");
		assertThat(view.at("/sources/yaml/upstreams").toString()).isEqualTo("[\"yamlpool\"]");
		assertThat(view.at("/sources/yaml/lastApplied").isString()).isTrue();
		assertThat(view.has("sources")).isTrue();
		assertThat(view.at("/sources").has("consul")).as("no Consul here").isFalse();
		assertThat(view.at("/sources/restyconfig/target").asString()).isEqualTo("local");
		assertThat(view.at("/sources/restyconfig/version").asLong()).isZero();
		assertThat(view.at("/sources/restyconfig/lastError").isNull()).isTrue();
		assertThat(view.at("/staged").isNull()).isTrue();
		assertThat(view.at("/current").asLong()).isZero();
		assertThat(view.at("/kept").asInt()).isEqualTo(10);
		assertThat(view.at("/versions").size()).isZero();
	}

	@Test
	@Order(2)
	void badInputIsRefusedNamingTheKeyAndTheFieldAndNothingChanges() throws Exception {
		HttpResponse<String> nothing = post("/install", "");
		assertThat(nothing.statusCode()).isEqualTo(409);
		assertThat(json(nothing).at("/message").asString()).startsWith("nothing is staged");

		// A good set staged first: no bad one may replace it.
		assertThat(post("/stage", set("kept", route("/kept/**", a.url()))).statusCode()).isEqualTo(200);

		expectBad("{\"routes\": {\"x\": ", "body", "body", "not valid JSON");
		expectBad("", "body", "body", "is required");
		expectBad("[1]", "body", "body", "must be a JSON object");
		expectBad("{\"route\": {}}", "body", "route", "is not a field of a set");
		expectBad("{\"routes\": [1]}", "body", "routes", "must be a JSON object");
		expectBad("{\"routes\": {\"a\": {}, \"a\": {}}}", "body", "body", "Duplicate");
		expectBad(set("shop", "{\"uri\":\"" + b.url() + "\",\"predicate\":[\"Path=/shop/**\"]}"), "routes/shop",
				"predicate", "Unrecognized");
		expectBad(set("shop", "{\"uri\":\"" + b.url() + "\",\"predicates\":[\"Path=/shop/**\"],"
				+ "\"filters\":[\"StripPrefix=lots\"]}"), "routes/shop", "filters[0].args.parts", "lots");
		expectBad(set("shop", "{\"uri\":\"" + b.url() + "\",\"predicates\":[\"Nowhere=/x\"]}"), "routes/shop",
				"predicates[0].name", "no predicate is called 'Nowhere'");
		expectBad(set("shop", "{\"uri\":\"" + b.url() + "\",\"predicates\":[]}"), "routes/shop", "predicates",
				"must not be empty");
		expectBad(set("shop", "{\"id\":\"other\",\"uri\":\"" + b.url() + "\",\"predicates\":[\"Path=/s\"]}"),
				"routes/shop", "id", "is 'other'");
		expectBad(set("shop", "\"Path=/x\""), "routes/shop", "body", "must be a JSON object");
		expectBad(set("local", route("/local/**", b.url())), "routes/local", "id", "the local definition wins");
		expectBad(set("upstreams", "pool", "{\"levels\":[{\"servers\":[{\"host\":\"127.0.0.1\",\"port\":70000}]}]}"),
				"upstreams/pool", "levels[0].servers[0].port", "65535");
		expectBad(set("upstreams", "pool", "{\"levels\":[{\"servers\":[{\"hots\":\"h\",\"port\":80}]}]}"),
				"upstreams/pool", "levels[0].servers[0].hots", "is not a field");
		expectBad(set("upstreams", "yamlpool", upstream(b)), "upstreams/yamlpool", "name", "the local definition wins");
		expectBad(set("upstreams", "bad name", upstream(b)), "upstreams/bad name", "key", "letters, digits");

		// Every problem of one set is named in one answer, the first at the top.
		HttpResponse<String> several = post("/stage", set("one", route("/one/**", "nowhere"), "two",
				"{\"uri\":\"" + b.url() + "\"}", "upstreams", "p", "{\"levels\":[]}"));
		assertThat(several.statusCode()).isEqualTo(400);
		assertThat(json(several).at("/problems").size()).isEqualTo(3);
		assertThat(json(several).at("/key").asString()).isEqualTo("routes/one");

		HttpResponse<String> unknown = post("/rollback/42", "");
		assertThat(unknown.statusCode()).isEqualTo(404);
		assertThat(json(unknown).at("/field").asString()).isEqualTo("version");
		assertThat(json(unknown).at("/message").asString()).contains("42 is not kept");
		HttpResponse<String> notANumber = post("/rollback/latest", "");
		assertThat(notANumber.statusCode()).isEqualTo(400);
		assertThat(json(notANumber).at("/message").asString()).contains("'latest' is not a version number");

		// Nothing changed: the good set is still the staged one, nothing is installed, the gateway serves as before.
		JsonNode view = view();
		assertThat(view.at("/staged/routes").toString()).isEqualTo("[\"kept\"]");
		assertThat(view.at("/current").asLong()).isZero();
		assertThat(view.at("/versions").size()).isZero();
		assertThat(gateway("/shop/x").statusCode()).isEqualTo(404);
		assertThat(gateway("/local/x").body()).isEqualTo("a");
	}

	private void expectBad(String body, String key, String field, String message) throws Exception {
		HttpResponse<String> response = post("/stage", body);
		assertThat(response.statusCode()).as(body).isEqualTo(400);
		JsonNode answer = json(response);
		assertThat(answer.at("/key").asString()).as(body).isEqualTo(key);
		assertThat(answer.at("/field").asString()).as(body).isEqualTo(field);
		assertThat(answer.at("/message").asString()).as(body).startsWith(key + ": " + field + ": ").contains(message);
	}

	@Test
	@Order(3)
	void stageInstallAndRollBackServeTheRightRoutes() throws Exception {
		HttpResponse<String> staged = post("/stage", set("shop", route("/shop/**", "lb://pool"), "one",
				route("/one/**", a.url()), "upstreams", "pool", upstream(a)));
		assertThat(staged.statusCode()).as(staged.body()).isEqualTo(200);
		assertThat(json(staged).at("/staged/routes").toString()).isEqualTo("[\"one\",\"shop\"]");
		// Staged is not live.
		assertThat(gateway("/shop/x").statusCode()).isEqualTo(404);

		HttpResponse<String> first = post("/install", "");
		assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
		long v1 = json(first).at("/version").asLong();
		assertThat(json(first).at("/target").asString()).isEqualTo("local");
		assertThat(json(first).at("/installedAt").isString()).isTrue();
		await("/shop/x", answers("a"));
		await("/one/x", answers("a"));

		// The next set replaces the whole: the pool moves to b, /one is dropped, /two is new.
		post("/stage", set("shop", route("/shop/**", "lb://pool"), "two", route("/two/**", b.url()), "upstreams",
				"pool", upstream(b)));
		HttpResponse<String> second = post("/install", "");
		assertThat(second.statusCode()).as(second.body()).isEqualTo(200);
		long v2 = json(second).at("/version").asLong();
		assertThat(v2).isEqualTo(v1 + 1);
		await("/shop/x", answers("b"));
		await("/one/x", status(404));
		await("/two/x", answers("b"));
		assertThat(post("/install", "").statusCode()).as("an install takes the staged set once").isEqualTo(409);

		HttpResponse<String> back = post("/rollback/" + v1, "");
		assertThat(back.statusCode()).as(back.body()).isEqualTo(200);
		assertThat(json(back).at("/version").asLong()).isEqualTo(v2 + 1);
		assertThat(json(back).at("/rollbackOf").asLong()).isEqualTo(v1);
		await("/shop/x", answers("a"));
		await("/one/x", answers("a"));
		await("/two/x", status(404));
		// The YAML route served all along.
		assertThat(gateway("/local/x").body()).isEqualTo("a");

		JsonNode view = view();
		assertThat(view.at("/current").asLong()).isEqualTo(v2 + 1);
		assertThat(view.at("/staged").isNull()).isTrue();
		assertThat(view.at("/versions/0/version").asLong()).isEqualTo(v2 + 1);
		assertThat(view.at("/versions/0/rollbackOf").asLong()).isEqualTo(v1);
		assertThat(view.at("/versions/1/version").asLong()).isEqualTo(v2);
		assertThat(view.at("/versions/1/routes").toString()).isEqualTo("[\"shop\",\"two\"]");
		assertThat(view.at("/sources/restyconfig/version").asLong()).isEqualTo(v2 + 1);
		assertThat(view.at("/sources/restyconfig/routes").toString()).isEqualTo("[\"one\",\"shop\"]");
		assertThat(view.at("/sources/restyconfig/upstreams").toString()).isEqualTo("[\"pool\"]");

		// A kept version in full, in the shape stage takes.
		HttpResponse<String> kept = Http.getText(endpoint("/" + v2));
		assertThat(kept.statusCode()).isEqualTo(200);
		assertThat(json(kept).at("/set/routes/two/uri").asString()).isEqualTo(b.url());
		assertThat(json(kept).at("/set/upstreams/pool/levels/0/servers/0/port").asInt()).isEqualTo(b.port());
		assertThat(post("/stage", json(kept).at("/set").toString()).statusCode()).isEqualTo(200);
		assertThat(Http.getText(endpoint("/staged")).body()).contains("\"two\"");
		assertThat(Http.getText(endpoint("/999")).statusCode()).isEqualTo(404);

		// The gateway actuator shows where each route came from.
		String routes = Http.getText("http://127.0.0.1:" + this.managementPort + "/actuator/gateway/routes").body();
		assertThat(routes).contains("\"resty-config-source\":\"restyconfig\"");
	}

	@Test
	@Order(4)
	void theLastTenVersionsAreKept() throws Exception {
		long first = 0;
		for (int i = 0; i < 11; i++) {
			post("/stage", set("shop", route("/shop/**", i % 2 == 0 ? a.url() : b.url())));
			long version = json(post("/install", "")).at("/version").asLong();
			first = i == 0 ? version : first;
		}
		JsonNode versions = view().at("/versions");
		assertThat(versions.size()).isEqualTo(10);
		assertThat(versions.get(0).at("/version").asLong()).isEqualTo(first + 10);
		assertThat(versions.get(9).at("/version").asLong()).isEqualTo(first + 1);
		assertThat(post("/rollback/" + first, "").statusCode()).isEqualTo(404);
		assertThat(post("/rollback/" + (first + 1), "").statusCode()).isEqualTo(200);
		await("/shop/x", answers("b"));
	}

	@Test
	@Order(5)
	void theEndpointIsOnTheManagementPortOnly() throws Exception {
		HttpResponse<String> links = Http.getText("http://127.0.0.1:" + this.managementPort + "/actuator");
		assertThat(json(links).at("/_links/restyconfig/href").asString()).endsWith("/actuator/restyconfig");
		assertThat(gateway("/actuator/restyconfig").statusCode()).isEqualTo(404);
		assertThat(Http.sendJson("POST", "http://127.0.0.1:" + this.port + "/actuator/restyconfig/install", "")
			.statusCode()).isEqualTo(404);
		assertThat(List.of(200)).contains(Http.getText(endpoint("")).statusCode());
	}

}
