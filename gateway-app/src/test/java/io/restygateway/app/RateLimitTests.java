package io.restygateway.app;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.restygateway.core.RestyStartupReporter;
import io.restygateway.test.LoopbackHttpServer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The LeakyBucket and TokenBucket filters end to end, on the embedded default's in-memory store: routes in
 * properties, a real backend on loopback, real HTTP.
 */
@SpringBootTest(classes = GatewayApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "management.server.port=0", "resty.demo.enabled=false" })
class RateLimitTests {

	static final Map<String, List<Long>> arrivals = new ConcurrentHashMap<>();

	static final LoopbackHttpServer backend = startBackend();

	static String[][] ROUTES = {
			// id, path, filter name, args (name=value;...)
			{ "nodelay", "/nodelay/**", "LeakyBucket", "rate=2r/m;burst=5" },
			{ "delayed", "/delayed/**", "LeakyBucket", "rate=10r/s;burst=5;delay=0" },
			{ "header", "/header/**", "LeakyBucket", "rate=100r/s;burst=5;key=header:X-Api-Key" },
			{ "token", "/token/**", "TokenBucket", "interval=1m;capacity=3" },
			{ "tokenwait", "/tokenwait/**", "TokenBucket", "interval=300ms;capacity=1;max-wait=1s" },
			{ "drain", "/drain/**", "LeakyBucket", "rate=1r/m;burst=0" },
			{ "cancel", "/cancel/**", "LeakyBucket", "rate=1r/s;burst=5;delay=0" },
			{ "plain", "/plain/**", null, null } };

	@LocalServerPort
	int port;

	@Autowired
	RestyStartupReporter reporter;

	@Autowired
	org.springframework.core.env.Environment environment;

	static LoopbackHttpServer startBackend() {
		try {
			return LoopbackHttpServer.start(exchange -> {
				String path = exchange.getRequestURI().getPath();
				arrivals.computeIfAbsent(path.split("/")[1], p -> new CopyOnWriteArrayList<>())
					.add(System.nanoTime());
				exchange.getRequestBody().readAllBytes();
				byte[] body = ("backend saw " + path).getBytes(StandardCharsets.UTF_8);
				exchange.sendResponseHeaders(200, body.length);
				exchange.getResponseBody().write(body);
				exchange.close();
			});
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	@DynamicPropertySource
	static void routes(DynamicPropertyRegistry registry) {
		for (int i = 0; i < ROUTES.length; i++) {
			String prefix = "spring.cloud.gateway.server.webflux.routes[" + i + "].";
			String[] route = ROUTES[i];
			registry.add(prefix + "id", () -> route[0]);
			registry.add(prefix + "uri", backend::url);
			registry.add(prefix + "predicates[0]", () -> "Path=" + route[1]);
			if (route[2] != null) {
				registry.add(prefix + "filters[0].name", () -> route[2]);
				for (String arg : route[3].split(";")) {
					String[] pair = arg.split("=", 2);
					registry.add(prefix + "filters[0].args." + pair[0], () -> pair[1]);
				}
			}
		}
	}

	@AfterAll
	static void stop() {
		backend.close();
	}

	String gateway(String path) {
		return "http://127.0.0.1:" + this.port + path;
	}

	List<HttpResponse<String>> concurrently(String path, int count) {
		HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
		List<CompletableFuture<HttpResponse<String>>> futures = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			futures.add(client.sendAsync(HttpRequest.newBuilder(URI.create(gateway(path)))
				.timeout(Duration.ofSeconds(20))
				.build(), HttpResponse.BodyHandlers.ofString()));
		}
		return futures.stream().map(CompletableFuture::join).toList();
	}

	@Test
	void burstPlusOneSimultaneousRequestsPassAndTheRestGet429WithHonestHeaders() throws Exception {
		List<HttpResponse<String>> answers = concurrently("/nodelay/x", 20);
		List<HttpResponse<String>> admitted = answers.stream().filter(a -> a.statusCode() == 200).toList();
		List<HttpResponse<String>> refused = answers.stream().filter(a -> a.statusCode() == 429).toList();
		assertThat(admitted).hasSize(6);
		assertThat(refused).hasSize(14);
		assertThat(admitted.stream().map(a -> a.headers().firstValue("RateLimit-Remaining").orElseThrow()))
			.containsExactlyInAnyOrder("5", "4", "3", "2", "1", "0");
		for (HttpResponse<String> answer : refused) {
			// 2r/m: the next request may come 30 s after the burst was spent.
			assertThat(answer.headers().allValues("Retry-After")).hasSize(1);
			assertThat(Long.parseLong(answer.headers().firstValue("Retry-After").orElseThrow())).isBetween(29L, 30L);
			assertThat(answer.headers().allValues("RateLimit-Remaining")).hasSize(1);
			assertThat(answer.headers().firstValue("RateLimit-Limit")).hasValue("6");
			assertThat(answer.headers().firstValue("RateLimit-Remaining")).hasValue("0");
			assertThat(answer.headers().firstValue("X-RateLimit-Remaining")).hasValue("0");
			assertThat(answer.headers().firstValue("X-RateLimit-Burst-Capacity")).hasValue("6");
			assertThat(answer.headers().firstValue("X-RateLimit-Replenish-Rate")).hasValue("0.033333");
			assertThat(answer.headers().firstValue("X-RateLimit-Requested-Tokens")).hasValue("1");
			assertThat(Long.parseLong(answer.headers().firstValue("RateLimit-Reset").orElseThrow()))
				.isBetween(179L, 180L);
			assertThat(answer.body()).contains("429");
		}
		assertThat(arrivals.get("nodelay")).hasSize(6);
		JsonNode rejected = new JsonMapper().readTree(Http.getText(
				management("/actuator/metrics/resty.ratelimit.requests?tag=route:nodelay&tag=outcome:rejected"))
			.body());
		assertThat(rejected.at("/measurements/0/value").asDouble()).isEqualTo(14);
	}

	@Test
	void delayedRequestsReachTheUpstreamSpacedAtTheRate() {
		List<HttpResponse<String>> answers = concurrently("/delayed/x", 6);
		assertThat(answers).allSatisfy(answer -> assertThat(answer.statusCode()).isEqualTo(200));
		List<Long> times = arrivals.get("delayed").stream().sorted().toList();
		assertThat(times).hasSize(6);
		// delay=0: each request waits its turn at 10r/s, so the six reach the upstream over 0.5 s.
		assertThat(Duration.ofNanos(times.get(5) - times.get(0))).isGreaterThanOrEqualTo(Duration.ofMillis(450));
	}

	@Test
	void aRequestWithoutItsKeyIsRefusedWith403AndAKeyedOnePasses() throws Exception {
		assertThat(Http.getText(gateway("/header/x")).statusCode()).isEqualTo(403);
		assertThat(Http.getText(gateway("/header/x"), "X-Api-Key", "k1").statusCode()).isEqualTo(200);
	}

	@Test
	void theTokenBucketRefusesOnceEmptyAndWaitsWithinMaxWait() throws Exception {
		List<Integer> statuses = new ArrayList<>();
		for (int i = 0; i < 4; i++) {
			statuses.add(Http.getText(gateway("/token/x")).statusCode());
		}
		assertThat(statuses).containsExactly(200, 200, 200, 429);
		HttpResponse<String> refused = Http.getText(gateway("/token/x"));
		assertThat(refused.headers().firstValue("Retry-After")).hasValueSatisfying(
				value -> assertThat(Long.parseLong(value)).isBetween(59L, 60L));
		assertThat(refused.headers().firstValue("RateLimit-Limit")).hasValue("3");

		// capacity 1, a token every 300 ms, max-wait 1 s: the second and third wait, the fifth is refused.
		List<HttpResponse<String>> answers = concurrently("/tokenwait/x", 5);
		assertThat(answers.stream().filter(a -> a.statusCode() == 200)).hasSize(4);
		assertThat(answers.stream().filter(a -> a.statusCode() == 429)).hasSize(1);
	}

	@Test
	void a429DiscardsTheRequestBodyAndTheKeepAliveConnectionStaysInStep() throws Exception {
		String body = "x".repeat(100_000);
		try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), this.port)) {
			socket.setSoTimeout(10_000);
			OutputStream out = socket.getOutputStream();
			InputStream in = new java.io.BufferedInputStream(socket.getInputStream());
			String post = "POST /drain/x HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length() + "\r\n\r\n" + body;
			out.write(post.getBytes(StandardCharsets.US_ASCII));
			out.flush();
			assertThat(RawHttp.read(in, false).status()).isEqualTo(200);
			out.write(post.getBytes(StandardCharsets.US_ASCII));
			out.flush();
			RawHttp.Answer refused = RawHttp.read(in, false);
			assertThat(refused.status()).isEqualTo(429);
			out.write("GET /plain/after HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
			out.flush();
			RawHttp.Answer after = RawHttp.read(in, false);
			assertThat(after.status()).isEqualTo(200);
			assertThat(after.text()).isEqualTo("backend saw /plain/after");
		}
	}

	@Test
	void aClientThatLeavesDuringItsDelayCausesNoUpstreamRequest() throws Exception {
		assertThat(Http.getText(gateway("/cancel/first")).statusCode()).isEqualTo(200);
		try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), this.port)) {
			socket.getOutputStream().write("GET /cancel/second HTTP/1.1\r\nHost: x\r\n\r\n"
				.getBytes(StandardCharsets.US_ASCII));
			socket.getOutputStream().flush();
			Thread.sleep(200);
		}
		// Its turn would have come 1 s after the first.
		Thread.sleep(1500);
		assertThat(arrivals.get("cancel")).hasSize(1);
		JsonNode limits = new JsonMapper().readTree(Http.getText(management("/actuator/ratelimits/cancel")).body());
		assertThat(limits.at("/limits/0/counts/cancelled").asLong()).isEqualTo(1);
		assertThat(limits.at("/limits/0/counts/delayed").asLong()).isEqualTo(1);
	}

	@Test
	void theEndpointListsEveryLimitedRouteWithItsSettingsAndTheStore() throws Exception {
		JsonNode all = new JsonMapper().readTree(Http.getText(management("/actuator/ratelimits")).body());
		assertThat(all.at("/store").asString()).isEqualTo("memory");
		assertThat(all.at("/redis").asString()).isEqualTo("not used");
		List<String> routes = new ArrayList<>();
		all.at("/routes").forEach(route -> routes.add(route.at("/route").asString()));
		assertThat(routes).contains("nodelay", "delayed", "header", "token", "tokenwait", "drain", "cancel")
			.doesNotContain("plain");
		JsonNode header = new JsonMapper().readTree(Http.getText(management("/actuator/ratelimits/header")).body());
		assertThat(header.at("/limits/0/settings/rate").asString()).isEqualTo("100r/s");
		assertThat(header.at("/limits/0/settings/key").asString()).isEqualTo("header:X-Api-Key");
		assertThat(header.at("/limits/0/filter").asString()).isEqualTo("LeakyBucket");
		assertThat(Http.getText(management("/actuator/ratelimits/plain")).statusCode()).isEqualTo(404);
		assertThat(this.reporter.lines()).anySatisfy(line -> assertThat(line).contains("rate limits: LeakyBucket store memory"));
	}

	String management(String path) {
		return "http://127.0.0.1:" + this.environment.getProperty("local.management.port") + path;
	}


}
