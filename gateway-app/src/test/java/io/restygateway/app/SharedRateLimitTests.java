package io.restygateway.app;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import io.restygateway.test.LoopbackHttpServer;
import io.restygateway.test.RedisServerExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two gateway instances on one real Redis enforce one global LeakyBucket limit, atomically under concurrency; a
 * flushed script cache is survived; Redis hung (SIGSTOP) and killed: every decision still finishes within the
 * timeout, a fail-open route falls back to rate/instances in memory, a fail-closed one answers 503, the breaker
 * opens and closes again once Redis is back.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SharedRateLimitTests {

	@RegisterExtension
	static RedisServerExtension redis = new RedisServerExtension();

	static LoopbackHttpServer backend;

	static ConfigurableApplicationContext first;

	static ConfigurableApplicationContext second;

	static final String[][] ROUTES = {
			// id, path, args
			{ "global", "/global/**", "rate=2r/m;burst=5" },
			{ "atomic", "/atomic/**", "rate=2r/m;burst=5" },
			{ "flush", "/flush/**", "rate=100r/s;burst=100" },
			{ "open", "/open/**", "rate=1r/m;burst=3;on-redis-failure=allow" },
			{ "closed", "/closed/**", "rate=100r/s;burst=100;on-redis-failure=deny" } };

	@BeforeAll
	static void start() throws IOException {
		backend = LoopbackHttpServer.start(exchange -> {
			byte[] body = "ok".getBytes(StandardCharsets.UTF_8);
			exchange.sendResponseHeaders(200, body.length);
			exchange.getResponseBody().write(body);
			exchange.close();
		});
		first = gateway();
		second = gateway();
	}

	static ConfigurableApplicationContext gateway() {
		List<String> args = new ArrayList<>(List.of("--server.port=0", "--management.server.port=0",
				"--resty.demo.enabled=false", "--spring.data.redis.host=127.0.0.1",
				"--spring.data.redis.port=" + redis.server().port(), "--resty.rate-limit.redis.heartbeat=200ms",
				"--management.endpoints.web.exposure.include=ratelimits,metrics,health"));
		for (int i = 0; i < ROUTES.length; i++) {
			String prefix = "--spring.cloud.gateway.server.webflux.routes[" + i + "].";
			args.add(prefix + "id=" + ROUTES[i][0]);
			args.add(prefix + "uri=" + backend.url());
			args.add(prefix + "predicates[0]=Path=" + ROUTES[i][1]);
			args.add(prefix + "filters[0].name=LeakyBucket");
			for (String arg : ROUTES[i][2].split(";")) {
				args.add(prefix + "filters[0].args." + arg);
			}
		}
		return new SpringApplicationBuilder(GatewayApplication.class).run(args.toArray(String[]::new));
	}

	@AfterAll
	static void stop() throws IOException {
		if (redis.server().isAlive()) {
			redis.server().resume();
		}
		if (first != null) {
			first.close();
		}
		if (second != null) {
			second.close();
		}
		backend.close();
	}

	static String url(ConfigurableApplicationContext gateway, String path) {
		return "http://127.0.0.1:" + gateway.getEnvironment().getProperty("local.server.port") + path;
	}

	static JsonNode rateLimits(ConfigurableApplicationContext gateway) throws Exception {
		String url = "http://127.0.0.1:" + gateway.getEnvironment().getProperty("local.management.port")
				+ "/actuator/ratelimits";
		return new JsonMapper().readTree(Http.getText(url).body());
	}

	// Four keep-alive connections, two to each instance, each sending its share one request after another.
	static List<Integer> overFourConnections(int count, String path) throws Exception {
		ExecutorService threads = Executors.newFixedThreadPool(4);
		List<Future<List<Integer>>> clients = new ArrayList<>();
		for (int c = 0; c < 4; c++) {
			int port = Integer.parseInt((c % 2 == 0 ? first : second).getEnvironment().getProperty("local.server.port"));
			clients.add(threads.submit(() -> {
				List<Integer> statuses = new ArrayList<>();
				try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
					socket.setSoTimeout(10_000);
					InputStream in = new BufferedInputStream(socket.getInputStream());
					for (int i = 0; i < count / 4; i++) {
						socket.getOutputStream()
							.write(("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
						statuses.add(RawHttp.read(in, false).status());
					}
				}
				return statuses;
			}));
		}
		try {
			List<Integer> all = new ArrayList<>();
			for (Future<List<Integer>> client : clients) {
				all.addAll(client.get(60, TimeUnit.SECONDS));
			}
			return all;
		}
		finally {
			threads.shutdownNow();
		}
	}

	@Test
	@Order(1)
	void twoInstancesEnforceOneGlobalLimit() throws Exception {
		List<Integer> statuses = new ArrayList<>();
		for (int i = 0; i < 12; i++) {
			statuses.add(Http.getText(url(i % 2 == 0 ? first : second, "/global/x")).statusCode());
		}
		assertThat(statuses).containsExactly(200, 200, 200, 200, 200, 200, 429, 429, 429, 429, 429, 429);
		assertThat(redis.server().command("EXISTS", "resty:rl:global:127.0.0.1")).isEqualTo("1");
		JsonNode limits = rateLimits(first);
		assertThat(limits.at("/store").asString()).isEqualTo("redis");
		assertThat(limits.at("/redis/ping").asString()).isEqualTo("UP");
		assertThat(limits.at("/redis/circuit-breaker").asString()).isEqualTo("CLOSED");
		assertThat(limits.at("/redis/instances").asInt()).isEqualTo(2);
		// One connection per HTTP event loop, so that a decision stays on its request's thread.
		assertThat(limits.at("/redis/connections").asInt())
			.isEqualTo(reactor.netty.resources.LoopResources.DEFAULT_IO_WORKER_COUNT);
		assertThat(limits.at("/redis/calls-off-loop").asLong()).as("every decision on its request's loop").isZero();
	}

	@Test
	@Order(2)
	void twoHundredConcurrentRequestsOverTwoInstancesAdmitExactlyBurstPlusOne() throws Exception {
		List<Integer> statuses = overFourConnections(200, "/atomic/x");
		assertThat(rateLimits(first).at("/redis/failures").asLong()).as("no decision left Redis").isZero();
		assertThat(rateLimits(second).at("/redis/failures").asLong()).isZero();
		assertThat(statuses.stream().filter(status -> status == 200)).hasSize(6);
		assertThat(statuses.stream().filter(status -> status == 429)).hasSize(194);
	}

	@Test
	@Order(3)
	void aFlushedScriptCacheIsSurvived() throws Exception {
		assertThat(Http.getText(url(first, "/flush/x")).statusCode()).isEqualTo(200);
		assertThat(redis.server().command("SCRIPT", "FLUSH")).isEqualTo("OK");
		assertThat(Http.getText(url(first, "/flush/x")).statusCode()).isEqualTo(200);
		assertThat(Http.getText(url(second, "/flush/x")).statusCode()).isEqualTo(200);
	}

	@Test
	@Order(4)
	void aHungRedisCostsAtMostTheTimeoutAndTheRoutesFollowTheirFailurePolicy() throws Exception {
		redis.server().pause();
		try {
			List<Integer> open = new ArrayList<>();
			for (int i = 0; i < 4; i++) {
				long start = System.nanoTime();
				open.add(Http.getText(url(first, "/open/x")).statusCode());
				// 50 ms for Redis at most; the rest is the proxying, on a busy 2-core machine.
				assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(1000));
			}
			// The fallback in memory: 1r/m and burst 3 shared by 2 instances is burst 1 here, so 2 pass.
			assertThat(open).containsExactly(200, 200, 429, 429);
			long start = System.nanoTime();
			assertThat(Http.getText(url(first, "/closed/x")).statusCode()).isEqualTo(503);
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(1000));
			JsonNode limits = rateLimits(first);
			assertThat(limits.at("/redis/circuit-breaker").asString()).isEqualTo("OPEN");
			assertThat(limits.at("/redis/failures").asLong()).isGreaterThanOrEqualTo(3);
			assertThat(limits.at("/redis/ping").asString()).startsWith("DOWN");
			JsonNode open0 = route(limits, "open");
			assertThat(open0.at("/counts/by-fallback").asLong()).isEqualTo(4);
			JsonNode closed = route(limits, "closed");
			assertThat(closed.at("/counts/unavailable").asLong()).isEqualTo(1);
			JsonNode failures = metric(first, "resty.ratelimit.redis.failures");
			assertThat(failures.at("/measurements/0/value").asDouble()).isGreaterThanOrEqualTo(3);
			assertThat(metric(first, "resty.ratelimit.redis.breaker.open").at("/measurements/0/value").asDouble())
				.isEqualTo(1);
		}
		finally {
			redis.server().resume();
		}
		assertThat(eventuallyClosed(first)).isTrue();
		assertThat(Http.getText(url(first, "/closed/x")).statusCode()).isEqualTo(200);
	}

	@Test
	@Order(5)
	void aKilledRedisIsSurvivedAndRejoinedWhenItComesBack() throws Exception {
		redis.server().kill();
		long start = System.nanoTime();
		assertThat(Http.getText(url(second, "/closed/x")).statusCode()).isEqualTo(503);
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(1000));
		assertThat(Http.getText(url(second, "/flush/x")).statusCode()).isEqualTo(200);
		redis.server().restart();
		assertThat(eventuallyClosed(second)).isTrue();
		long failures = rateLimits(second).at("/redis/failures").asLong();
		assertThat(Http.getText(url(second, "/closed/x")).statusCode()).isEqualTo(200);
		// The fail-closed route passes only when Redis decided: the new server is in use.
		assertThat(rateLimits(second).at("/redis/failures").asLong()).isEqualTo(failures);
		assertThat(rateLimits(second).at("/redis/ping").asString()).isEqualTo("UP");
	}

	static JsonNode metric(ConfigurableApplicationContext gateway, String name) throws Exception {
		String url = "http://127.0.0.1:" + gateway.getEnvironment().getProperty("local.management.port")
				+ "/actuator/metrics/" + name;
		return new JsonMapper().readTree(Http.getText(url).body());
	}

	static JsonNode route(JsonNode limits, String id) {
		for (JsonNode route : limits.at("/routes")) {
			if (route.at("/route").asString().equals(id)) {
				return route;
			}
		}
		throw new AssertionError("no route " + id + " in " + limits);
	}

	// Decisions keep going to Redis until the breaker is closed again: a probe after each open period.
	static boolean eventuallyClosed(ConfigurableApplicationContext gateway) throws Exception {
		long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
		while (System.nanoTime() < deadline) {
			Http.getText(url(gateway, "/flush/probe"));
			if (rateLimits(gateway).at("/redis/circuit-breaker").asString().equals("CLOSED")) {
				return true;
			}
			Thread.sleep(200);
		}
		return false;
	}

}
