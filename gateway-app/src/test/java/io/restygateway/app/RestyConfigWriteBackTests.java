package io.restygateway.app;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.Predicate;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import io.restygateway.test.ConsulKvServer;
import io.restygateway.test.LoopbackHttpServer;

import static io.restygateway.app.RestyConfigEndpointTests.json;
import static io.restygateway.app.RestyConfigEndpointTests.route;
import static io.restygateway.app.RestyConfigEndpointTests.set;
import static io.restygateway.app.RestyConfigEndpointTests.upstream;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Write-back (slardar #45): two gateways follow one Consul KV (the in-process server, over HTTP); a set installed,
 * replaced and rolled back through the {@code restyconfig} endpoint of the first is written to Consul under the
 * layout, puts and deletes, and the second serves it within one second. With Consul away an install is refused
 * and nothing is recorded.
 */
class RestyConfigWriteBackTests {

	static final Duration LIVE_WITHIN = Duration.ofSeconds(1);

	static final LoopbackHttpServer a = UpstreamRoutingTests.named("a");

	static final LoopbackHttpServer b = UpstreamRoutingTests.named("b");

	static ConsulKvServer consul;

	static ConfigurableApplicationContext first;

	static ConfigurableApplicationContext second;

	@BeforeAll
	static void start() throws IOException {
		consul = ConsulKvServer.create(500);
		first = gateway();
		second = gateway();
	}

	static ConfigurableApplicationContext gateway() {
		// Command-line arguments: they win over application.yml (default properties would not).
		return new SpringApplicationBuilder(GatewayApplication.class).run("--server.port=0",
				"--management.server.port=0", "--resty.demo.enabled=false", "--resty.consul.enabled=true",
				"--spring.cloud.consul.host=127.0.0.1", "--spring.cloud.consul.port=" + consul.port(),
				"--resty.consul.backoff.max=300ms", "--resty.startup-report.enabled=false");
	}

	@AfterAll
	static void stop() {
		if (first != null) {
			first.close();
		}
		if (second != null) {
			second.close();
		}
		consul.close();
		a.close();
		b.close();
	}

	static int port(ConfigurableApplicationContext gateway) {
		return ((WebServerApplicationContext) gateway).getWebServer().getPort();
	}

	static String endpoint(ConfigurableApplicationContext gateway, String path) {
		return "http://127.0.0.1:" + gateway.getEnvironment().getProperty("local.management.port")
				+ "/actuator/restyconfig" + path;
	}

	static HttpResponse<String> post(ConfigurableApplicationContext gateway, String path, String body)
			throws Exception {
		return Http.sendJson("POST", endpoint(gateway, path), body);
	}

	static Duration await(ConfigurableApplicationContext gateway, String path, Predicate<HttpResponse<String>> condition,
			long since) throws Exception {
		long deadline = since + Duration.ofSeconds(5).toNanos();
		HttpResponse<String> last;
		do {
			last = Http.getText("http://127.0.0.1:" + port(gateway) + path);
			if (condition.test(last)) {
				return Duration.ofNanos(System.nanoTime() - since);
			}
			Thread.sleep(5);
		}
		while (System.nanoTime() < deadline);
		throw new AssertionError(path + ": last answer " + last.statusCode() + " " + last.body());
	}

	@Test
	void anInstallAndARollbackOnOneGatewayAreServedByTheOtherWithinOneSecond() throws Exception {
		// Keys written by hand: a route in the layout (the installed set replaces it) and a key of another tool.
		// The route goes through lb://pool, so that both gateways have built pool's load balancer (slow the first
		// time in a JVM) before anything is timed.
		consul.put("resty/upstreams/pool", upstream(a));
		consul.put("resty/routes/manual", route("/manual/**", "lb://pool"));
		consul.put("resty/other/setting", "left alone");
		await(first, "/manual/x", RestyConfigEndpointTests.answers("a"), System.nanoTime());
		await(second, "/manual/x", RestyConfigEndpointTests.answers("a"), System.nanoTime());

		assertThat(post(first, "/stage", set("shop", route("/shop/**", "lb://pool"), "one", route("/one/**", a.url()),
				"upstreams", "pool", upstream(a))).statusCode()).isEqualTo(200);
		long installed = System.nanoTime();
		HttpResponse<String> v1 = post(first, "/install", "");
		assertThat(v1.statusCode()).as(v1.body()).isEqualTo(200);
		JsonNode answer = json(v1);
		assertThat(answer.at("/target").asString()).isEqualTo("consul");
		assertThat(answer.at("/appliedHere").asBoolean()).isTrue();
		assertThat(answer.at("/deleted").toString()).isEqualTo("[\"resty/routes/manual\"]");
		assertThat(consul.get("resty/upstreams/pool")).isNotNull();
		assertThat(consul.get("resty/routes/shop")).isNotNull();
		assertThat(consul.get("resty/routes/manual")).isNull();
		assertThat(consul.get("resty/other/setting")).isNotNull();
		assertThat(await(second, "/shop/x", RestyConfigEndpointTests.answers("a"), installed)).isLessThan(LIVE_WITHIN);
		assertThat(await(second, "/one/x", RestyConfigEndpointTests.answers("a"), installed)).isLessThan(LIVE_WITHIN);
		assertThat(await(second, "/manual/x", RestyConfigEndpointTests.status(404), installed))
			.isLessThan(LIVE_WITHIN);
		// The installing gateway applied it through its own watch before answering.
		assertThat(Http.getText("http://127.0.0.1:" + port(first) + "/shop/x").body()).isEqualTo("a");

		// A new set: the pool moves to b, /one is dropped (a delete in Consul), /two is new.
		post(first, "/stage", set("shop", route("/shop/**", "lb://pool"), "two", route("/two/**", b.url()),
				"upstreams", "pool", upstream(b)));
		installed = System.nanoTime();
		HttpResponse<String> v2 = post(first, "/install", "");
		assertThat(v2.statusCode()).as(v2.body()).isEqualTo(200);
		assertThat(consul.get("resty/routes/one")).isNull();
		assertThat(await(second, "/shop/x", RestyConfigEndpointTests.answers("b"), installed)).isLessThan(LIVE_WITHIN);
		assertThat(await(second, "/one/x", RestyConfigEndpointTests.status(404), installed)).isLessThan(LIVE_WITHIN);
		assertThat(await(second, "/two/x", RestyConfigEndpointTests.answers("b"), installed)).isLessThan(LIVE_WITHIN);

		// The rollback is written back too.
		installed = System.nanoTime();
		HttpResponse<String> back = post(first, "/rollback/" + answer.at("/version").asLong(), "");
		assertThat(back.statusCode()).as(back.body()).isEqualTo(200);
		assertThat(await(second, "/one/x", RestyConfigEndpointTests.answers("a"), installed)).isLessThan(LIVE_WITHIN);
		assertThat(await(second, "/shop/x", RestyConfigEndpointTests.answers("a"), installed)).isLessThan(LIVE_WITHIN);
		assertThat(await(second, "/two/x", RestyConfigEndpointTests.status(404), installed)).isLessThan(LIVE_WITHIN);

		// The view: Consul's index and routes as this gateway applied them, and the installed set's versions.
		JsonNode view = json(Http.getText(endpoint(first, "")));
		assertThat(Long.parseLong(view.at("/sources/consul/index").asString())).isGreaterThan(500);
		assertThat(view.at("/sources/consul/routes").toString())
			.isEqualTo("[\"resty/routes/one\",\"resty/routes/shop\"]");
		assertThat(view.at("/sources/restyconfig/target").asString()).isEqualTo("consul");
		assertThat(view.at("/versions").size()).isEqualTo(3);

		// Consul away: the install is refused, the set stays staged and no version is recorded.
		post(first, "/stage", set("late", route("/late/**", a.url())));
		consul.stop();
		try {
			HttpResponse<String> refused = post(first, "/install", "");
			assertThat(refused.statusCode()).isEqualTo(503);
			assertThat(json(refused).at("/message").asString()).contains("Consul at");
			view = json(Http.getText(endpoint(first, "")));
			assertThat(view.at("/versions").size()).isEqualTo(3);
			assertThat(view.at("/staged/routes").toString()).isEqualTo("[\"late\"]");
			assertThat(view.at("/sources/restyconfig/lastError").asString()).contains("Consul at");
		}
		finally {
			consul.start();
		}
	}

}
