package io.restygateway.app;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.Predicate;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.MethodOrderer.OrderAnnotation;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.restygateway.test.LoopbackHttpServer;
import io.restygateway.test.RedisServer;
import io.restygateway.test.RedisServerExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A full gateway following routes and upstreams in a real {@code redis-server} (started by the test harness), with
 * the versioned layout: a route written and its version bumped is served within the poll interval plus a second;
 * while the version stays the same the documents are not read (counted by Redis itself, {@code INFO
 * commandstats}); a bad document is refused while its last good version serves; Redis killed leaves the gateway
 * serving with degraded health; Redis back (empty, as after a crash) with a version written meanwhile is read.
 */
@SpringBootTest(classes = GatewayApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "management.server.port=0", "resty.demo.enabled=false", "resty.redis-config.enabled=true",
				"resty.redis-config.interval=1s", "resty.redis-config.timeout=500ms",
				"spring.data.redis.host=127.0.0.1", "spring.data.redis.timeout=500ms",
				"spring.data.redis.connect-timeout=500ms", "resty.rate-limit.store=memory" })
@TestMethodOrder(OrderAnnotation.class)
class RedisSourceTests {

	@RegisterExtension
	static final RedisServerExtension redisServer = new RedisServerExtension();

	static final LoopbackHttpServer a = UpstreamRoutingTests.named("a");

	static final LoopbackHttpServer b = UpstreamRoutingTests.named("b");

	static final Duration INTERVAL = Duration.ofSeconds(1);

	/** The bound for a versioned source: one poll interval, plus a second for the fetch and the refresh. */
	static final Duration LIVE_WITHIN = INTERVAL.plusSeconds(1);

	static final String VERSION = "resty:config:version";

	static final String DOCUMENTS = "resty:config:documents";

	@LocalServerPort
	int port;

	@LocalManagementPort
	int managementPort;

	@Autowired
	MeterRegistry meters;

	@DynamicPropertySource
	static void redis(DynamicPropertyRegistry registry) {
		registry.add("spring.data.redis.port", () -> redisServer.server().port());
	}

	@AfterEach
	void redisBack() throws IOException {
		// A test that failed half way must not leave Redis down for the next one.
		if (!redis().isAlive()) {
			redis().restart();
		}
	}

	@AfterAll
	static void stop() {
		a.close();
		b.close();
	}

	static RedisServer redis() {
		return redisServer.server();
	}

	static String route(String path, LoopbackHttpServer backend, String... filters) {
		StringBuilder json = new StringBuilder("{\"uri\":\"").append(backend.url())
			.append("\",\"predicates\":[\"Path=")
			.append(path)
			.append("\"]");
		if (filters.length > 0) {
			json.append(",\"filters\":[\"").append(String.join("\",\"", filters)).append("\"]");
		}
		return json.append('}').toString();
	}

	/** Write documents and bump the version in one transaction, as the docs tell writers to. */
	static void publish(String... fieldsAndValues) throws IOException {
		String[] hset = new String[fieldsAndValues.length + 2];
		hset[0] = "HSET";
		hset[1] = DOCUMENTS;
		System.arraycopy(fieldsAndValues, 0, hset, 2, fieldsAndValues.length);
		// RedisServer.command opens one connection per command, so MULTI cannot span them: data first, version
		// last, which is the order that matters.
		assertThat(redis().command(hset)).doesNotStartWith("-");
		assertThat(redis().command("INCR", VERSION)).doesNotStartWith("-");
	}

	HttpResponse<String> get(int port, String path) throws Exception {
		return Http.getText("http://127.0.0.1:" + port + path);
	}

	Duration await(String path, Predicate<HttpResponse<String>> condition, long since, Duration within)
			throws Exception {
		long deadline = since + within.toNanos() + Duration.ofSeconds(4).toNanos();
		HttpResponse<String> last = null;
		while (System.nanoTime() < deadline) {
			last = get(this.port, path);
			if (condition.test(last)) {
				return Duration.ofNanos(System.nanoTime() - since);
			}
			Thread.sleep(5);
		}
		throw new AssertionError(path + " never reached the expected state; last answer "
				+ (last == null ? "none" : last.statusCode() + " " + last.body()));
	}

	static Predicate<HttpResponse<String>> answers(String body) {
		return response -> response.statusCode() == 200 && response.body().equals(body);
	}

	JsonNode health() throws Exception {
		HttpResponse<String> health = get(this.managementPort, "/actuator/health");
		assertThat(health.statusCode()).isEqualTo(200);
		return JsonMapper.builder().build().readTree(health.body());
	}

	String state() throws Exception {
		return health().at("/components/restyRedisConfig/details/state").asString();
	}

	double rejected(String key, String field) {
		Counter counter = this.meters.find("resty.config.rejected")
			.tags("source", "redis", "key", key, "field", field)
			.counter();
		return counter == null ? 0 : counter.count();
	}

	static long calls(String command) throws IOException {
		String stats = redis().command("INFO", "commandstats");
		for (String line : stats.split("\r?\n")) {
			if (line.startsWith("cmdstat_" + command + ":calls=")) {
				String calls = line.substring(("cmdstat_" + command + ":calls=").length());
				return Long.parseLong(calls.substring(0, calls.indexOf(',')));
			}
		}
		return 0;
	}

	@Test
	@Order(1)
	void aRouteWrittenAndItsVersionBumpedIsServedWithinTheIntervalPlusOneSecond() throws Exception {
		// The first routes a JVM builds load and compile much on the way, on the source's thread (cold first changes
		// took 2.3 and 3 s on a busy 2-CPU machine): two unmeasured changes first, as a running gateway has had.
		publish("routes/warm", route("/warm/**", a));
		await("/warm/x", answers("a"), System.nanoTime(), Duration.ofSeconds(10));
		publish("routes/warm", route("/warm/**", b, "AddResponseHeader=X-W,1"));
		await("/warm/x", answers("b"), System.nanoTime(), Duration.ofSeconds(10));
		assertThat(get(this.port, "/shop/x").statusCode()).isEqualTo(404);
		long written = System.nanoTime();
		publish("routes/shop", route("/shop/**", a, "AddResponseHeader=X-V,1"));
		Duration took = await("/shop/x", answers("a"), written, LIVE_WITHIN);
		assertThat(took).isLessThan(LIVE_WITHIN);
		assertThat(get(this.port, "/shop/x").headers().firstValue("X-V")).contains("1");

		// A change of the same route, and an upstream with it.
		written = System.nanoTime();
		publish("upstreams/shop-ups",
				"{\"levels\":[{\"servers\":[{\"host\":\"127.0.0.1\",\"port\":" + b.port() + "}]}]}", "routes/shop",
				"{\"uri\":\"lb://shop-ups\",\"predicates\":[\"Path=/shop/**\"]}");
		took = await("/shop/x", answers("b"), written, LIVE_WITHIN);
		assertThat(took).isLessThan(LIVE_WITHIN);

		JsonNode health = health();
		assertThat(health.at("/components/restyRedisConfig/status").asString()).isEqualTo("UP");
		assertThat(health.at("/components/restyRedisConfig/details/version").asString()).isEqualTo("4");
		assertThat(health.at("/components/restyRedisConfig/details/routes").asInt()).isEqualTo(2);
		assertThat(health.at("/components/restyRedisConfig/details/upstreams").asInt()).isEqualTo(1);

		// The restyconfig endpoint lists the Redis source beside the others.
		HttpResponse<String> config = get(this.managementPort, "/actuator/restyconfig");
		assertThat(config.statusCode()).isEqualTo(200);
		JsonNode redis = JsonMapper.builder().build().readTree(config.body()).at("/sources/redis");
		assertThat(redis.at("/version").asString()).isEqualTo("4");
		assertThat(redis.at("/routes").toString()).contains("routes/shop");
		assertThat(redis.at("/upstreams").asInt()).isEqualTo(1);
	}

	@Test
	@Order(2)
	void whileTheVersionStaysTheSameTheDocumentsAreNotRead() throws Exception {
		assertThat(redis().command("CONFIG", "RESETSTAT")).isEqualTo("OK");
		Thread.sleep(INTERVAL.multipliedBy(3).plusMillis(500).toMillis());
		assertThat(calls("get")).as("version polls in 3.5 intervals").isBetween(3L, 5L);
		assertThat(calls("hgetall")).as("documents read").isZero();

		// A document written without a version bump is not seen either: the version is the contract.
		assertThat(redis().command("HSET", DOCUMENTS, "routes/quiet", route("/quiet/**", a))).isEqualTo("1");
		Thread.sleep(INTERVAL.plusMillis(500).toMillis());
		assertThat(get(this.port, "/quiet/x").statusCode()).isEqualTo(404);
		assertThat(calls("hgetall")).isZero();

		long written = System.nanoTime();
		assertThat(redis().command("INCR", VERSION)).isEqualTo("5");
		await("/quiet/x", answers("a"), written, LIVE_WITHIN);
		assertThat(calls("hgetall")).as("one read for one version").isEqualTo(1);
	}

	@Test
	@Order(3)
	void aBadDocumentIsRefusedAndTheLastGoodVersionKeepsServing() throws Exception {
		String key = "resty:config:documents#routes/quiet";
		double before = rejected(key, "filters[0].args.parts");
		publish("routes/quiet", route("/quiet/**", b, "StripPrefix=lots"));
		long deadline = System.nanoTime() + LIVE_WITHIN.plusSeconds(3).toNanos();
		while (rejected(key, "filters[0].args.parts") <= before) {
			assertThat(System.nanoTime()).as("a refusal of " + key).isLessThan(deadline);
			Thread.sleep(5);
		}
		// The last good version (to a) still serves, and health names the key and the field.
		assertThat(get(this.port, "/quiet/x").body()).isEqualTo("a");
		JsonNode refused = health().at("/components/restyRedisConfig/details/rejected/" + key.replace("/", "~1"));
		assertThat(refused.at("/field").asString()).isEqualTo("filters[0].args.parts");
		assertThat(refused.at("/keptLastGood").asBoolean()).isTrue();
		// Still UP: a refused document is not a Redis failure.
		assertThat(health().at("/components/restyRedisConfig/status").asString()).isEqualTo("UP");

		// Fixed: served, and no longer listed.
		long written = System.nanoTime();
		publish("routes/quiet", route("/quiet/**", b));
		await("/quiet/x", answers("b"), written, LIVE_WITHIN);
		assertThat(health().at("/components/restyRedisConfig/details/rejected").has(key)).isFalse();
	}

	@Test
	@Order(4)
	void redisKilledKeepsServingWithDegradedHealth_andBackItReadsTheVersionWrittenMeanwhile() throws Exception {
		assertThat(get(this.port, "/shop/x").body()).isEqualTo("b");
		redis().kill();
		long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
		while (!"degraded".equals(state())) {
			assertThat(System.nanoTime()).as("health degraded").isLessThan(deadline);
			Thread.sleep(50);
		}
		JsonNode health = health();
		assertThat(health.at("/components/restyRedisConfig/status").asString()).isEqualTo("DEGRADED");
		assertThat(health.at("/status").asString()).isNotEqualTo("DOWN");
		assertThat(health.at("/components/restyRedisConfig/details/lastError").asString()).isNotEqualTo("none");
		// The last good routes serve on, through several failed polls.
		for (int i = 0; i < 3; i++) {
			assertThat(get(this.port, "/shop/x").body()).isEqualTo("b");
			assertThat(get(this.port, "/quiet/x").body()).isEqualTo("b");
			Thread.sleep(INTERVAL.toMillis());
		}

		// Back, empty (a crash without persistence), and a new version written before the gateway reads again:
		// version 1 again, lower than the 7 it applied, but different, so read.
		redis().restart();
		long written = System.nanoTime();
		publish("routes/shop", route("/shop/**", a, "AddResponseHeader=X-V,after-restart"));
		await("/shop/x", response -> response.statusCode() == 200
				&& "after-restart".equals(response.headers().firstValue("X-V").orElse(null)), written,
				LIVE_WITHIN.plus(Duration.ofSeconds(2)));
		deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
		while (!"syncing".equals(state())) {
			assertThat(System.nanoTime()).as("health back up").isLessThan(deadline);
			Thread.sleep(50);
		}
		// The new snapshot is the whole truth: routes/quiet is not in it any more.
		await("/quiet/x", response -> response.statusCode() == 404, System.nanoTime(), LIVE_WITHIN);
		assertThat(get(this.port, "/warm/x").statusCode()).isEqualTo(404);
		assertThat(health().at("/components/restyRedisConfig/details/version").asString()).isEqualTo("1");
	}

}
