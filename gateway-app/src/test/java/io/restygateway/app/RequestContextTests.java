package io.restygateway.app;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.filter.ReactiveLoadBalancerClientFilter;
import org.springframework.cloud.gateway.filter.factory.AbstractNameValueGatewayFilterFactory;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

import io.restygateway.test.LoopbackHttpServer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * lua-resty-ctxdump carries {@code ngx.ctx} across {@code ngx.exec} (an internal redirect that would otherwise start
 * with an empty ctx). Here the request context is the exchange's attributes, and this shows they need no such help:
 * an attribute set by a route filter is still there after a {@code forward:} route (read by the handler forwarded
 * to, and by a second gateway route it forwards to), and on every attempt of a retry to another server of an
 * {@code lb://} upstream (the first server refuses the connection), where what the first attempt added is seen by
 * the second.
 */
@SpringBootTest(classes = { GatewayApplication.class, RequestContextTests.Context.class },
		webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "management.server.port=0", "resty.demo.enabled=false" })
class RequestContextTests {

	static final String USER = "resty.test.user";

	static final String ATTEMPTS = "resty.test.attempts";

	/** Answers with the context the gateway sent it as headers. */
	static final LoopbackHttpServer echo = start();

	static LoopbackHttpServer start() {
		try {
			return LoopbackHttpServer.start(exchange -> {
				byte[] body = ("user=" + exchange.getRequestHeaders().getFirst("X-Ctx-User") + ";attempt="
						+ exchange.getRequestHeaders().getFirst("X-Ctx-Attempt")).getBytes(StandardCharsets.UTF_8);
				exchange.sendResponseHeaders(200, body.length);
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
	Context context;

	@DynamicPropertySource
	static void configuration(DynamicPropertyRegistry registry) throws IOException {
		int dead = LoopbackHttpServer.freePort();
		route(registry, 0, "forwarded", "/ctx/forward/**", "forward:/ctx/landing", "Stash=" + USER + ", alice");
		route(registry, 1, "forward-to-route", "/ctx/again/**", "forward:/ctx/second/x", "Stash=" + USER + ", bob");
		route(registry, 2, "second", "/ctx/second/**", echo.url(), null);
		route(registry, 3, "retried", "/ctx/retry/**", "lb://retried", "Stash=" + USER + ", carol");
		// The dead server alone in the first level, the live one in the second: the first attempt always fails.
		registry.add("resty.upstreams.retried.levels[0].servers[0].host", () -> "127.0.0.1");
		registry.add("resty.upstreams.retried.levels[0].servers[0].port", () -> dead);
		registry.add("resty.upstreams.retried.levels[1].servers[0].host", () -> "127.0.0.1");
		registry.add("resty.upstreams.retried.levels[1].servers[0].port", echo::port);
		registry.add("resty.upstreams.retried.retry-on[0]", () -> "connect-failure");
		// No ejection: every request meets the dead server first.
		registry.add("resty.upstreams.retried.health.passive.max-fails", () -> 0);
	}

	static void route(DynamicPropertyRegistry registry, int index, String id, String path, String uri,
			String filter) {
		String prefix = "spring.cloud.gateway.server.webflux.routes[" + index + "].";
		registry.add(prefix + "id", () -> id);
		registry.add(prefix + "uri", () -> uri);
		registry.add(prefix + "predicates[0]", () -> "Path=" + path);
		if (filter != null) {
			registry.add(prefix + "filters[0]", () -> filter);
		}
	}

	@AfterAll
	static void stop() {
		echo.close();
	}

	@BeforeEach
	void clear() {
		this.context.attempts.clear();
	}

	/**
	 * {@code Stash=name, value}: a route filter that sets an exchange attribute, as a Lua handler sets
	 * {@code ngx.ctx.name}; a filter that counts attempts and sends the context to the server chosen; and a plain
	 * WebFlux handler to forward to.
	 */
	@TestConfiguration(proxyBeanMethods = false)
	static class Context {

		final List<String> attempts = new CopyOnWriteArrayList<>();

		@Bean
		StashGatewayFilterFactory stashGatewayFilterFactory() {
			return new StashGatewayFilterFactory();
		}

		@Bean
		GlobalFilter attemptProbe() {
			return new AttemptProbe(this.attempts);
		}

		@Bean
		RouterFunction<ServerResponse> landing() {
			return RouterFunctions.route()
				.GET("/ctx/landing", request -> ServerResponse.ok()
					.bodyValue("user=" + request.exchange().getAttribute(USER) + ";path="
							+ request.exchange().getRequest().getPath()))
				.build();
		}

	}

	static class StashGatewayFilterFactory extends AbstractNameValueGatewayFilterFactory {

		@Override
		public GatewayFilter apply(NameValueConfig config) {
			return (exchange, chain) -> {
				exchange.getAttributes().put(config.getName(), config.getValue());
				return chain.filter(exchange);
			};
		}

	}

	/** Runs on every attempt, after the load balancer chose a server. */
	record AttemptProbe(List<String> attempts) implements GlobalFilter, Ordered {

		@Override
		public int getOrder() {
			return ReactiveLoadBalancerClientFilter.LOAD_BALANCER_CLIENT_FILTER_ORDER + 1;
		}

		@Override
		public Mono<Void> filter(org.springframework.web.server.ServerWebExchange exchange,
				org.springframework.cloud.gateway.filter.GatewayFilterChain chain) {
			Object user = exchange.getAttribute(USER);
			if (user == null) {
				return chain.filter(exchange);
			}
			int attempt = exchange.getAttributeOrDefault(ATTEMPTS, 0) + 1;
			exchange.getAttributes().put(ATTEMPTS, attempt);
			URI url = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR);
			this.attempts.add(attempt + " " + url.getPort() + " " + user);
			return chain.filter(exchange.mutate()
				.request(request -> request.header("X-Ctx-User", String.valueOf(user))
					.header("X-Ctx-Attempt", Integer.toString(attempt)))
				.build());
		}

	}

	HttpResponse<String> get(String path) throws Exception {
		return Http.getText("http://127.0.0.1:" + this.port + path);
	}

	@Test
	void anAttributeSetByAFilterSurvivesAForwardToAHandler() throws Exception {
		HttpResponse<String> response = get("/ctx/forward/x");
		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(response.body()).isEqualTo("user=alice;path=/ctx/landing");
	}

	@Test
	void anAttributeSetByAFilterSurvivesAForwardToAnotherGatewayRoute() throws Exception {
		HttpResponse<String> response = get("/ctx/again/x");
		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		// The probe ran in both chains, the forward route's and the second route's, and the second saw the count
		// the first had stored: one exchange, one set of attributes, across the forward.
		assertThat(response.body()).isEqualTo("user=bob;attempt=2");
		assertThat(this.context.attempts).containsExactly("1 -1 bob", "2 " + echo.port() + " bob");
	}

	@Test
	void anAttributeSetByAFilterSurvivesARetryToAnotherServer() throws Exception {
		HttpResponse<String> response = get("/ctx/retry/x");
		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		// The second attempt reached the live server with the attribute, and saw what the first attempt had added.
		assertThat(response.body()).isEqualTo("user=carol;attempt=2");
		assertThat(this.context.attempts).hasSize(2);
		assertThat(this.context.attempts.get(0)).startsWith("1 ").endsWith(" carol")
			.doesNotContain(" " + echo.port() + " ");
		assertThat(this.context.attempts.get(1)).isEqualTo("2 " + echo.port() + " carol");
	}

}
