package io.restygateway.ratelimit;

import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.route.RouteLocator;

import io.restygateway.ratelimit.RateLimitRegistry.LimitedRoute;

/**
 * The {@code ratelimits} actuator endpoint: the store in use, Redis's state as the limiters see it (a live PING,
 * the circuit breaker, failures, the instance count), and every limited route with its settings and counts.
 * {@code GET /actuator/ratelimits}, {@code GET /actuator/ratelimits/{route}}.
 */
@Endpoint(id = "ratelimits")
public class RateLimitsEndpoint {

	private final RateLimitRegistry registry;

	private final RouteLocator routes;

	private final @Nullable RedisLimitBackend backend;

	/**
	 * @param registry the limited routes
	 * @param routes the gateway's routes, to list only those that exist now
	 * @param backend the Redis store, or null when buckets are in memory
	 */
	public RateLimitsEndpoint(RateLimitRegistry registry, RouteLocator routes, @Nullable RedisLimitBackend backend) {
		this.registry = registry;
		this.routes = routes;
		this.backend = backend;
	}

	@ReadOperation
	public Mono<Map<String, Object>> rateLimits() {
		return Mono.zip(liveRoutes(), redis()).map(tuple -> {
			Map<String, Object> body = new LinkedHashMap<>();
			body.put("store", this.backend != null ? "redis" : "memory");
			body.put("redis", tuple.getT2());
			body.put("routes", views(tuple.getT1(), null));
			return body;
		});
	}

	@ReadOperation
	public Mono<WebEndpointResponse<Object>> route(@Selector String route) {
		return liveRoutes().map(live -> {
			List<Map<String, Object>> views = views(live, route);
			if (views.isEmpty()) {
				return new WebEndpointResponse<>(Map.of("status", 404, "error",
						"no rate limit on a route '" + route + "'"), WebEndpointResponse.STATUS_NOT_FOUND);
			}
			return new WebEndpointResponse<>(Map.of("route", route, "limits", views));
		});
	}

	private List<Map<String, Object>> views(Set<String> live, @Nullable String only) {
		return this.registry.all()
			.stream()
			.filter(limited -> live.contains(limited.routeId()))
			.filter(limited -> only == null || only.equals(limited.routeId()))
			.sorted(Comparator.comparing(LimitedRoute::routeId).thenComparing(LimitedRoute::filter))
			.map(RateLimitsEndpoint::view)
			.toList();
	}

	private static Map<String, Object> view(LimitedRoute limited) {
		Map<String, Object> view = new LinkedHashMap<>();
		view.put("route", limited.routeId());
		view.put("filter", limited.filter());
		view.put("zone", limited.zone());
		view.put("store", limited.store());
		view.put("settings", limited.settings());
		view.put("counts", limited.stats().counters());
		return view;
	}

	private Mono<Set<String>> liveRoutes() {
		return this.routes.getRoutes().map(Route::getId).collect(java.util.stream.Collectors.toSet());
	}

	private Mono<Object> redis() {
		RedisLimitBackend redis = this.backend;
		if (redis == null) {
			return Mono.just("not used");
		}
		Map<String, Object> view = new LinkedHashMap<>();
		view.put("connected", redis.connected());
		view.put("connect-attempts", redis.connectAttempts());
		view.put("connections", redis.connections());
		view.put("calls-off-loop", redis.callsOffLoop());
		view.put("circuit-breaker", redis.breaker().state().name());
		view.put("breaker-openings", redis.breaker().openings());
		view.put("failures", redis.failures());
		view.put("timeouts", redis.timeouts());
		view.put("skipped-while-open", redis.skipped());
		view.put("timeout", RateLimitFilters.duration(redis.timeout().toNanos() / 1000));
		view.put("instances", redis.instances());
		view.put("instances-from", redis.instancesFixed() ? "resty.rate-limit.fallback.instances" : "heartbeats");
		view.put("key-prefix", redis.keyPrefix());
		return redis.ping(Duration.ofMillis(500)).map(status -> {
			view.put("ping", status);
			return view;
		});
	}

}
