package io.restygateway.app;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.MethodOrderer.OrderAnnotation;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.cloud.gateway.event.RefreshRoutesEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.restygateway.config.LiveRoutes;
import io.restygateway.test.ConsulKvServer;
import io.restygateway.test.LoopbackHttpServer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A full gateway following routes and upstreams in Consul KV (the in-process server, over real HTTP on loopback),
 * proxying to real loopback backends: writes, changes and deletes are served within one second, a bad document is
 * refused while the last good one serves, a burst ends in its last state, an outage keeps the gateway serving and
 * shows as degraded health, a Consul that comes back with lower indexes is read afresh, and two gateways on one KV
 * converge.
 */
@SpringBootTest(classes = { GatewayApplication.class, ConsulSourceTests.Events.class },
		webEnvironment = WebEnvironment.RANDOM_PORT,
		// Whether Consul is in use is decided before dynamic properties exist: the switch is set here.
		properties = { "management.server.port=0", "resty.demo.enabled=false", "resty.consul.enabled=true",
				"spring.cloud.consul.host=127.0.0.1", "resty.consul.backoff.max=300ms" })
@TestMethodOrder(OrderAnnotation.class)
class ConsulSourceTests {

	/** Starts high, so that a restart at a low index goes visibly backwards. */
	static final ConsulKvServer consul = startConsul();

	static final LoopbackHttpServer a = UpstreamRoutingTests.named("a");

	static final LoopbackHttpServer b = UpstreamRoutingTests.named("b");

	static final Duration LIVE_WITHIN = Duration.ofSeconds(1);

	@LocalServerPort
	int port;

	@LocalManagementPort
	int managementPort;

	@Autowired
	MeterRegistry meters;

	@Autowired
	Events events;

	static ConsulKvServer startConsul() {
		try {
			return ConsulKvServer.create(10_000);
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	@DynamicPropertySource
	static void consul(DynamicPropertyRegistry registry) {
		registry.add("spring.cloud.consul.port", consul::port);
		// A list binds from one property source: the whole route is here.
		registry.add("spring.cloud.gateway.server.webflux.routes[0].id", () -> "local");
		registry.add("spring.cloud.gateway.server.webflux.routes[0].uri", a::url);
		registry.add("spring.cloud.gateway.server.webflux.routes[0].predicates[0]", () -> "Path=/local/**");
	}

	@AfterEach
	void consulBack() throws IOException {
		// A test that failed half way must not leave Consul stopped for the next one.
		consul.start();
	}

	@AfterAll
	static void stop() {
		consul.close();
		a.close();
		b.close();
	}

	/** Records every route refresh, to show that they are scoped. */
	@TestConfiguration(proxyBeanMethods = false)
	static class Events {

		final List<RefreshRoutesEvent> refreshes = new CopyOnWriteArrayList<>();

		@Bean
		ApplicationListener<RefreshRoutesEvent> refreshRecorder() {
			return this.refreshes::add;
		}

	}

	static String route(String path, LoopbackHttpServer backend, String... filters) {
		return route(path, backend.url(), filters);
	}

	static String route(String path, String uri, String... filters) {
		StringBuilder json = new StringBuilder("{\"uri\":\"").append(uri)
			.append("\",\"predicates\":[\"Path=")
			.append(path)
			.append("\"]");
		if (filters.length > 0) {
			json.append(",\"filters\":[\"").append(String.join("\",\"", filters)).append("\"]");
		}
		return json.append('}').toString();
	}

	static String upstream(LoopbackHttpServer server) {
		return "{\"levels\":[{\"servers\":[{\"host\":\"127.0.0.1\",\"port\":" + server.port() + "}]}]}";
	}

	HttpResponse<String> get(int port, String path) throws Exception {
		return Http.getText("http://127.0.0.1:" + port + path);
	}

	/**
	 * Poll until the answer satisfies the condition, and say how long it took from {@code since}.
	 */
	Duration await(int port, String path, Predicate<HttpResponse<String>> condition, long since, Duration within)
			throws Exception {
		long deadline = since + within.toNanos() + Duration.ofSeconds(4).toNanos();
		HttpResponse<String> last = null;
		while (System.nanoTime() < deadline) {
			last = get(port, path);
			if (condition.test(last)) {
				return Duration.ofNanos(System.nanoTime() - since);
			}
			Thread.sleep(5);
		}
		throw new AssertionError(path + " never reached the expected state; last answer " + (last == null ? "none"
				: last.statusCode() + " " + last.body()));
	}

	static Predicate<HttpResponse<String>> answers(String body) {
		return response -> response.statusCode() == 200 && response.body().equals(body);
	}

	static Predicate<HttpResponse<String>> status(int status) {
		return response -> response.statusCode() == status;
	}

	JsonNode health() throws Exception {
		HttpResponse<String> health = get(this.managementPort, "/actuator/health");
		assertThat(health.statusCode()).isEqualTo(200);
		return JsonMapper.builder().build().readTree(health.body());
	}

	double rejected(String key, String field) {
		Counter counter = this.meters.find("resty.config.rejected").tags("source", "consul", "key", key, "field", field)
			.counter();
		return counter == null ? 0 : counter.count();
	}

	void awaitRejected(String key, String field, double before) throws InterruptedException {
		long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
		while (rejected(key, field) <= before) {
			assertThat(System.nanoTime()).as("a refusal of " + key + " at " + field).isLessThan(deadline);
			Thread.sleep(5);
		}
	}

	/** Wait until the watch holds a blocking query on the current index of the prefix. */
	static void awaitParkedWatch() throws InterruptedException {
		long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
		while (true) {
			String index = Long.toString(consul.kvIndex());
			boolean parked = consul.requests()
				.stream()
				.anyMatch(request -> request.path().equals("/v1/kv/resty/") && index.equals(request.query().get("index")));
			if (parked) {
				return;
			}
			assertThat(System.nanoTime()).as("the watch parks on index " + index).isLessThan(deadline);
			Thread.sleep(10);
		}
	}

	@Test
	@Order(1)
	void aRouteIsServedChangedAndRemovedWithinOneSecondOfTheWrite() throws Exception {
		// The first proxied request of a fresh JVM is slow for reasons that have nothing to do with Consul.
		assertThat(get(this.port, "/local/x").body()).isEqualTo("a");
		long written = System.nanoTime();
		consul.put("resty/routes/shop", route("/shop/**", a));
		assertThat(await(this.port, "/shop/x", answers("a"), written, LIVE_WITHIN)).isLessThan(LIVE_WITHIN);

		this.events.refreshes.clear();
		written = System.nanoTime();
		consul.put("resty/routes/shop", route("/shop/**", b));
		assertThat(await(this.port, "/shop/x", answers("b"), written, LIVE_WITHIN)).isLessThan(LIVE_WITHIN);
		// One scoped refresh for the route that changed, not a refresh of every route.
		assertThat(this.events.refreshes).anySatisfy(event -> {
			assertThat(event.isScoped()).isTrue();
			assertThat(event.getMetadata()).isEqualTo(Map.of(LiveRoutes.KEY, "resty/routes/shop"));
		});
		assertThat(this.events.refreshes).allMatch(RefreshRoutesEvent::isScoped);

		written = System.nanoTime();
		consul.delete("resty/routes/shop", false);
		assertThat(await(this.port, "/shop/x", status(404), written, LIVE_WITHIN)).isLessThan(LIVE_WITHIN);
		// The route of application properties served all along.
		assertThat(get(this.port, "/local/x").body()).isEqualTo("a");
	}

	@Test
	@Order(2)
	void anUpstreamFromConsulIsUsedByAnLbRoute() throws Exception {
		consul.put("resty/upstreams/pool", upstream(a));
		long written = System.nanoTime();
		consul.put("resty/routes/pooled", route("/pooled/**", "lb://pool"));
		assertThat(await(this.port, "/pooled/x", answers("a"), written, LIVE_WITHIN)).isLessThan(LIVE_WITHIN);

		written = System.nanoTime();
		consul.put("resty/upstreams/pool", upstream(b));
		assertThat(await(this.port, "/pooled/x", answers("b"), written, LIVE_WITHIN)).isLessThan(LIVE_WITHIN);

		// Deleting the upstream leaves lb://pool to service discovery, which knows no such service.
		written = System.nanoTime();
		consul.delete("resty/upstreams/pool", false);
		assertThat(await(this.port, "/pooled/x", status(503), written, LIVE_WITHIN)).isLessThan(LIVE_WITHIN);
		consul.delete("resty/routes/pooled", false);
	}

	@Test
	@Order(3)
	void aBadDocumentIsRefusedAndTheLastGoodVersionKeepsServing() throws Exception {
		String key = "resty/routes/guarded";
		long written = System.nanoTime();
		consul.put(key, route("/guarded/**", a));
		await(this.port, "/guarded/x", answers("a"), written, LIVE_WITHIN);

		Map<String, String> bad = Map.of(
				// not JSON
				"body", "{\"uri\": ",
				// a misspelt field would otherwise leave a route that matches everything
				"predicate", "{\"uri\":\"" + b.url() + "\",\"predicate\":[\"Path=/guarded/**\"]}",
				// no such filter
				"filters[0].name", route("/guarded/**", b, "NoSuchFilter=1"),
				// arguments the filter cannot take
				"filters[0].args.parts", route("/guarded/**", b, "StripPrefix=lots"),
				// no such predicate
				"predicates[0].name", "{\"uri\":\"" + b.url() + "\",\"predicates\":[\"Nowhere=/x\"]}",
				// a URI without a scheme
				"uri", route("/guarded/**", "127.0.0.1:" + b.port()),
				// an id that does not match the key
				"id", "{\"id\":\"other\",\"uri\":\"" + b.url() + "\",\"predicates\":[\"Path=/guarded/**\"]}");
		for (Map.Entry<String, String> document : bad.entrySet()) {
			double before = rejected(key, document.getKey());
			consul.put(key, document.getValue());
			awaitRejected(key, document.getKey(), before);
			assertThat(get(this.port, "/guarded/x").body()).as(document.getKey()).isEqualTo("a");
			JsonNode refused = health().at("/components/restyConsul/details/rejected/resty~1routes~1guarded");
			assertThat(refused.at("/field").asString()).isEqualTo(document.getKey());
			assertThat(refused.at("/keptLastGood").asBoolean()).isTrue();
		}

		// A bad upstream is refused the same way, naming its field.
		double before = rejected("resty/upstreams/broken", "levels[0].servers[0].port");
		consul.put("resty/upstreams/broken",
				"{\"levels\":[{\"servers\":[{\"host\":\"127.0.0.1\",\"port\":70000}]}]}");
		awaitRejected("resty/upstreams/broken", "levels[0].servers[0].port", before);

		// Fixing the document clears the refusal.
		written = System.nanoTime();
		consul.put(key, route("/guarded/**", b));
		await(this.port, "/guarded/x", answers("b"), written, LIVE_WITHIN);
		assertThat(health().at("/components/restyConsul/details/rejected").has(key)).isFalse();
		assertThat(health().at("/components/restyConsul/status").asString()).isEqualTo("UP");
		consul.delete("resty/routes/guarded", false);
		consul.delete("resty/upstreams/broken", false);
	}

	@Test
	@Order(4)
	void aBurstOfAHundredWritesEndsInTheLastState() throws Exception {
		for (int i = 0; i < 100; i++) {
			consul.put("resty/routes/burst", route("/burst/**", i % 2 == 0 ? a : b, "SetResponseHeader=X-Version, " + i));
		}
		long written = System.nanoTime();
		Duration took = await(this.port, "/burst/x",
				response -> response.statusCode() == 200 && "99".equals(response.headers().firstValue("X-Version").orElse(null)),
				written, LIVE_WITHIN);
		assertThat(took).isLessThan(LIVE_WITHIN);
		assertThat(get(this.port, "/burst/x").body()).isEqualTo("b");
		consul.delete("resty/routes/burst", false);
	}

	@Test
	// Last: the second gateway's management port ends up in what @LocalManagementPort reads for later tests.
	@Order(7)
	void twoGatewaysOnOneKvConverge() throws Exception {
		// Command-line arguments: application.yml's ports (8080, 8081) would win over default properties.
		try (ConfigurableApplicationContext second = new SpringApplicationBuilder(GatewayApplication.class).run(
				"--server.port=0", "--management.server.port=0", "--resty.demo.enabled=false",
				"--resty.consul.enabled=true", "--spring.cloud.consul.host=127.0.0.1",
				"--spring.cloud.consul.port=" + consul.port(), "--resty.startup-report.enabled=false")) {
			int secondPort = ((WebServerApplicationContext) second).getWebServer().getPort();
			long written = System.nanoTime();
			consul.put("resty/routes/both", route("/both/**", a));
			assertThat(await(this.port, "/both/x", answers("a"), written, LIVE_WITHIN)).isLessThan(LIVE_WITHIN);
			assertThat(await(secondPort, "/both/x", answers("a"), written, LIVE_WITHIN)).isLessThan(LIVE_WITHIN);

			written = System.nanoTime();
			consul.put("resty/routes/both", route("/both/**", b));
			await(this.port, "/both/x", answers("b"), written, LIVE_WITHIN);
			await(secondPort, "/both/x", answers("b"), written, LIVE_WITHIN);

			written = System.nanoTime();
			consul.delete("resty/routes/both", false);
			await(this.port, "/both/x", status(404), written, LIVE_WITHIN);
			await(secondPort, "/both/x", status(404), written, LIVE_WITHIN);
		}
	}

	@Test
	@Order(6)
	void consulDownKeepsServingAndShowsDegradedThenALowerIndexIsReadAfresh() throws Exception {
		long written = System.nanoTime();
		consul.put("resty/routes/kept", route("/kept/**", a));
		await(this.port, "/kept/x", answers("a"), written, LIVE_WITHIN);
		long indexBefore = Long.parseLong(health().at("/components/restyConsul/details/index").asString());
		int routesBefore = health().at("/components/restyConsul/details/routes").asInt();
		assertThat(indexBefore).isGreaterThan(10_000);

		consul.stop();
		long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
		JsonNode health = health();
		while (!"degraded".equals(health.at("/components/restyConsul/details/state").asString())) {
			assertThat(System.nanoTime()).as("health shows the outage").isLessThan(deadline);
			Thread.sleep(20);
			health = health();
		}
		// Degraded, not down: HTTP 200 (checked by health()), and the last good routes still serve.
		assertThat(health.at("/components/restyConsul/status").asString()).isEqualTo("DEGRADED");
		assertThat(health.at("/status").asString()).isNotEqualTo("DOWN");
		assertThat(health.at("/components/restyConsul/details/lastError").asString()).isNotEqualTo("none");
		assertThat(health.at("/components/restyConsul/details/routes").asInt()).isEqualTo(routesBefore);
		assertThat(get(this.port, "/kept/x").body()).isEqualTo("a");

		// A -dev agent restarted: no data, and the raft index far below the one the watch last saw.
		consul.restart(5);
		written = System.nanoTime();
		consul.put("resty/routes/fresh", route("/fresh/**", b));
		// The back-off is at most 300 ms here; then the watch reads from index 0 and applies the new data.
		await(this.port, "/fresh/x", answers("b"), written, Duration.ofSeconds(2));
		await(this.port, "/kept/x", status(404), written, Duration.ofSeconds(2));
		health = health();
		assertThat(health.at("/components/restyConsul/status").asString()).isEqualTo("UP");
		assertThat(Long.parseLong(health.at("/components/restyConsul/details/index").asString()))
			.isLessThan(indexBefore);

		// A snapshot restore while the watch is parked on its index: the blocked query returns at once with a lower
		// index, and the watch reads again from 0. (A query that arrives after a restore with an index above the
		// restored one is held for the whole wait, by Consul as by this server: resty.consul.wait bounds that.)
		long restored = Long.parseLong(health.at("/components/restyConsul/details/index").asString());
		awaitParkedWatch();
		consul.resetIndex(2);
		written = System.nanoTime();
		consul.put("resty/routes/fresh", route("/fresh/**", a));
		assertThat(await(this.port, "/fresh/x", answers("a"), written, LIVE_WITHIN)).isLessThan(LIVE_WITHIN);
		assertThat(Long.parseLong(health().at("/components/restyConsul/details/index").asString()))
			.isLessThan(restored);
	}

}
