package io.restygateway.app;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.restygateway.test.LoopbackHttpServer;
import io.restygateway.upstream.HealthStatus;
import io.restygateway.upstream.Upstream;
import io.restygateway.upstream.UpstreamRegistry;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code lb://name} routes to Resty upstreams of real loopback servers: weights, levels, consistent hashing, the
 * passive check, and the fall-back to service discovery for a name that is no upstream.
 */
@SpringBootTest(classes = GatewayApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "management.server.port=0", "resty.demo.enabled=false" })
class UpstreamRoutingTests {

	static final LoopbackHttpServer a = named("a");

	static final LoopbackHttpServer b = named("b");

	static final LoopbackHttpServer c = named("c");

	static final LoopbackHttpServer legacy = named("legacy");

	static final LoopbackHttpServer unavailable = answering(503, "busy");

	static final LoopbackHttpServer echo = echoing();

	static LoopbackHttpServer echoing() {
		try {
			return LoopbackHttpServer.start(exchange -> {
				byte[] body = exchange.getRequestBody().readAllBytes();
				exchange.sendResponseHeaders(200, body.length == 0 ? -1 : body.length);
				exchange.getResponseBody().write(body);
				exchange.close();
			});
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	@LocalServerPort
	int port;

	@Autowired
	UpstreamRegistry registry;

	static LoopbackHttpServer named(String name) {
		return answering(200, name);
	}

	static LoopbackHttpServer answering(int status, String text) {
		try {
			return LoopbackHttpServer.start(exchange -> {
				byte[] body = text.getBytes(StandardCharsets.UTF_8);
				exchange.getResponseHeaders().add("X-Answered-By", text);
				exchange.sendResponseHeaders(status, body.length);
				exchange.getResponseBody().write(body);
				exchange.close();
			});
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	@DynamicPropertySource
	static void configuration(DynamicPropertyRegistry registry) {
		route(registry, 0, "weighted", "/weighted/**");
		route(registry, 1, "sticky", "/sticky/**");
		route(registry, 2, "legacy", "/legacy/**");
		route(registry, 3, "failover", "/failover/**");
		route(registry, 4, "flaky", "/flaky/**");
		route(registry, 5, "dead", "/dead/**");
		route(registry, 6, "replay", "/replay/**");
		route(registry, 7, "slow", "/slow/**");
		server(registry, "weighted", 0, 0, a, 2);
		server(registry, "weighted", 0, 1, b, 1);
		server(registry, "weighted", 1, 0, c, 1);
		server(registry, "sticky", 0, 0, a, 1);
		server(registry, "sticky", 0, 1, b, 1);
		server(registry, "sticky", 0, 2, c, 1);
		registry.add("resty.upstreams.sticky.balancer", () -> "consistent-hash");
		registry.add("resty.upstreams.sticky.hash-key", () -> "header:X-User-Id");
		registry.add("spring.cloud.discovery.client.simple.instances.legacy[0].uri", legacy::url);
	}

	static void route(DynamicPropertyRegistry registry, int index, String upstream, String path) {
		String prefix = "spring.cloud.gateway.server.webflux.routes[" + index + "].";
		registry.add(prefix + "id", () -> upstream);
		registry.add(prefix + "uri", () -> "lb://" + upstream);
		registry.add(prefix + "predicates[0]", () -> "Path=" + path);
	}

	static void server(DynamicPropertyRegistry registry, String upstream, int level, int index, LoopbackHttpServer server,
			int weight) {
		String prefix = "resty.upstreams." + upstream + ".levels[" + level + "].servers[" + index + "].";
		registry.add(prefix + "host", () -> "127.0.0.1");
		registry.add(prefix + "port", server::port);
		registry.add(prefix + "weight", () -> weight);
	}

	@AfterAll
	static void stop() {
		a.close();
		b.close();
		c.close();
		legacy.close();
		unavailable.close();
		echo.close();
	}

	String get(String path, String... headers) throws Exception {
		HttpResponse<String> response = Http.getText("http://127.0.0.1:" + this.port + path, headers);
		assertThat(response.statusCode()).as(path).isEqualTo(200);
		return response.body();
	}

	@Test
	void weightedRoundRobinOverTheFirstLevel() throws Exception {
		Map<String, Integer> counts = new HashMap<>();
		for (int i = 0; i < 30; i++) {
			counts.merge(get("/weighted/x"), 1, Integer::sum);
		}
		assertThat(counts).containsOnlyKeys("a", "b");
		assertThat(counts.get("a")).isEqualTo(20);
		assertThat(counts.get("b")).isEqualTo(10);
	}

	@Test
	void consistentHashingKeepsAUserOnOneServer() throws Exception {
		Map<String, String> first = new HashMap<>();
		for (int user = 0; user < 30; user++) {
			first.put("u" + user, get("/sticky/x", "X-User-Id", "u" + user));
		}
		assertThat(first.values()).contains("a", "b", "c");
		for (int user = 0; user < 30; user++) {
			assertThat(get("/sticky/y", "X-User-Id", "u" + user)).isEqualTo(first.get("u" + user));
		}
	}

	@Test
	void aNameThatIsNoUpstreamFallsBackToServiceDiscovery() throws Exception {
		assertThat(get("/legacy/x")).isEqualTo("legacy");
	}

	@Test
	void aServerThatRefusesConnectionsIsEjectedAndTheNextLevelServes() throws Exception {
		UpstreamRegistry registry = this.registry;
		// Created at run time: two dead servers, and one live one in a backup level.
		io.restygateway.upstream.UpstreamDefinition definition = new io.restygateway.upstream.UpstreamDefinition();
		definition.setLevels(new java.util.ArrayList<>());
		definition.getLevels().add(level(LoopbackHttpServer.freePort(), LoopbackHttpServer.freePort()));
		definition.getLevels().add(level(c.port()));
		registry.put(definition.toSpec("failover"));
		int served = 0;
		for (int i = 0; i < 10; i++) {
			HttpResponse<String> response = Http.getText("http://127.0.0.1:" + this.port + "/failover/x");
			if (response.statusCode() == 200) {
				assertThat(response.body()).isEqualTo("c");
				served++;
			}
		}
		// Each dead server fails one attempt, is ejected, and the request is retried: no client sees an error.
		assertThat(served).isEqualTo(10);
		Upstream upstream = registry.get("failover");
		assertThat(upstream.report().get(0)).allSatisfy(server -> assertThat(server.status()).isEqualTo(HealthStatus.ERR));
		assertThat(upstream.report().get(0)).allSatisfy(server -> assertThat(server.message()).startsWith("connection refused"));
	}

	@Test
	void anAnswerListedInRetryOnIsRetriedOnAnotherServerButAPostIsNot() throws Exception {
		io.restygateway.upstream.UpstreamDefinition definition = new io.restygateway.upstream.UpstreamDefinition();
		definition.getLevels().add(level(unavailable.port(), c.port()));
		definition.setRetryOn(java.util.List.of("connect-failure", "timeout", "503"));
		// No ejection: every request meets the busy server again, and only the retry saves it.
		definition.getHealth().getPassive().setMaxFails(0);
		this.registry.put(definition.toSpec("flaky"));
		for (int i = 0; i < 10; i++) {
			HttpResponse<String> response = Http.getText("http://127.0.0.1:" + this.port + "/flaky/x");
			assertThat(response.statusCode()).isEqualTo(200);
			assertThat(response.body()).isEqualTo("c");
			assertThat(response.headers().allValues("X-Answered-By")).containsExactly("c");
		}
		int refused = 0;
		for (int i = 0; i < 4; i++) {
			HttpResponse<byte[]> post = Http.send("POST", "http://127.0.0.1:" + this.port + "/flaky/x");
			if (post.statusCode() == 503) {
				refused++;
			}
		}
		assertThat(refused).as("a POST is tried once").isEqualTo(2);
	}

	@Test
	void aSmallBodyIsSentAgainOnRetryAndALargeOneIsSentOnce() throws Exception {
		io.restygateway.upstream.UpstreamDefinition definition = new io.restygateway.upstream.UpstreamDefinition();
		definition.getLevels().add(level(unavailable.port(), echo.port()));
		definition.setRetryOn(java.util.List.of("connect-failure", "503", "non-idempotent"));
		definition.getHealth().getPassive().setMaxFails(0);
		this.registry.put(definition.toSpec("replay"));
		String small = "{\"order\": 42, \"note\": \"" + "x".repeat(1000) + "\"}";
		for (int i = 0; i < 6; i++) {
			HttpResponse<String> response = Http.sendJson(i % 2 == 0 ? "POST" : "PUT",
					"http://127.0.0.1:" + this.port + "/replay/orders", small);
			assertThat(response.statusCode()).isEqualTo(200);
			assertThat(response.body()).isEqualTo(small);
		}
		String large = "y".repeat(io.restygateway.upstream.UpstreamRetryFilter.MAX_REPLAYED_BODY + 1);
		int busy = 0;
		for (int i = 0; i < 4; i++) {
			HttpResponse<String> response = Http.sendJson("PUT", "http://127.0.0.1:" + this.port + "/replay/orders",
					large);
			if (response.statusCode() == 503) {
				busy++;
			}
			else {
				assertThat(response.body()).isEqualTo(large);
			}
		}
		assertThat(busy).as("a body too large to keep is sent once, so the busy server's answer stands").isEqualTo(2);
	}

	@Test
	void tryTimeoutStopsRetryingOnceTheBudgetIsSpent() throws Exception {
		java.util.concurrent.atomic.AtomicInteger attempts = new java.util.concurrent.atomic.AtomicInteger();
		List<LoopbackHttpServer> slow = new java.util.ArrayList<>();
		for (int i = 0; i < 3; i++) {
			slow.add(LoopbackHttpServer.start(exchange -> {
				attempts.incrementAndGet();
				try {
					Thread.sleep(300);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
				exchange.sendResponseHeaders(503, -1);
				exchange.close();
			}));
		}
		try {
			io.restygateway.upstream.UpstreamDefinition definition = new io.restygateway.upstream.UpstreamDefinition();
			definition.getLevels().add(level(slow.stream().mapToInt(LoopbackHttpServer::port).toArray()));
			definition.setRetryOn(List.of("503"));
			definition.getHealth().getPassive().setMaxFails(0);
			this.registry.put(definition.toSpec("slow"));
			assertThat(Http.getText("http://127.0.0.1:" + this.port + "/slow/x").statusCode()).isEqualTo(503);
			assertThat(attempts.get()).as("try defaults to the three servers").isEqualTo(3);

			attempts.set(0);
			definition.setTryTimeout(java.time.Duration.ofMillis(500));
			this.registry.put(definition.toSpec("slow"));
			assertThat(Http.getText("http://127.0.0.1:" + this.port + "/slow/x").statusCode()).isEqualTo(503);
			// 300 ms spent after the first attempt: a second starts; 600 ms after it: no third.
			assertThat(attempts.get()).isEqualTo(2);
		}
		finally {
			slow.forEach(LoopbackHttpServer::close);
		}
	}

	@Test
	void whenEveryAttemptFailsToConnectTheClientGets502() throws Exception {
		io.restygateway.upstream.UpstreamDefinition definition = new io.restygateway.upstream.UpstreamDefinition();
		definition.getLevels().add(level(LoopbackHttpServer.freePort(), LoopbackHttpServer.freePort()));
		this.registry.put(definition.toSpec("dead"));
		HttpResponse<String> response = Http.getText("http://127.0.0.1:" + this.port + "/dead/x");
		assertThat(response.statusCode()).isEqualTo(502);
	}

	static io.restygateway.upstream.UpstreamDefinition.Level level(int... ports) {
		io.restygateway.upstream.UpstreamDefinition.Level level = new io.restygateway.upstream.UpstreamDefinition.Level();
		for (int port : ports) {
			io.restygateway.upstream.UpstreamDefinition.Server server = new io.restygateway.upstream.UpstreamDefinition.Server();
			server.setHost("127.0.0.1");
			server.setPort(port);
			level.getServers().add(server);
		}
		return level;
	}

}
