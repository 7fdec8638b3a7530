package io.restygateway.upstream;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.actuate.endpoint.annotation.DeleteOperation;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;

/**
 * The {@code upstreams} actuator endpoint: every upstream, level and server with its state ({@code ok},
 * {@code err}, {@code unstable}, {@code unchecked}), weights, failure counts, last check and message, as
 * lua-resty-checkups' status page shows them. {@code GET /actuator/upstreams}, {@code GET
 * /actuator/upstreams/{name}}, {@code DELETE /actuator/upstreams/{name}}; creating or replacing one with
 * {@code POST /actuator/upstreams/{name}} and a JSON body is served beside it by {@link UpstreamsWriteFilter},
 * since an endpoint operation cannot take a whole JSON document.
 */
@Endpoint(id = "upstreams")
public class UpstreamsEndpoint {

	private final UpstreamRegistry registry;

	public UpstreamsEndpoint(UpstreamRegistry registry) {
		this.registry = registry;
	}

	@ReadOperation
	public Map<String, Object> upstreams() {
		Map<String, Object> upstreams = new LinkedHashMap<>();
		this.registry.all().forEach((name, upstream) -> upstreams.put(name, view(upstream)));
		Map<String, Object> body = new LinkedHashMap<>();
		body.put("version", this.registry.version());
		body.put("upstreams", upstreams);
		return body;
	}

	@ReadOperation
	public WebEndpointResponse<Object> upstream(@Selector String name) {
		Upstream upstream = this.registry.get(name);
		if (upstream == null) {
			return new WebEndpointResponse<>(notFound(name), WebEndpointResponse.STATUS_NOT_FOUND);
		}
		return new WebEndpointResponse<>(view(upstream));
	}

	@DeleteOperation
	public WebEndpointResponse<Object> delete(@Selector String name) {
		if (!this.registry.remove(name)) {
			return new WebEndpointResponse<>(notFound(name), WebEndpointResponse.STATUS_NOT_FOUND);
		}
		return new WebEndpointResponse<>(Map.of("status", 200, "deleted", name));
	}

	private static Map<String, Object> notFound(String name) {
		return Map.of("status", 404, "message", "upstream " + name + " not found");
	}

	static Map<String, Object> view(Upstream upstream) {
		UpstreamSpec spec = upstream.spec();
		Map<String, Object> view = new LinkedHashMap<>();
		view.put("balancer", spec.balancer().label());
		if (spec.hashKey() != null) {
			view.put("hash-key", spec.hashKey().toString());
		}
		view.put("try", spec.tries());
		view.put("try-timeout", text(spec.tryTimeout()));
		view.put("retry-on", retryOn(spec.retryOn()));
		List<Map<String, Object>> levels = upstream.report()
			.stream()
			.map(servers -> Map.<String, Object>of("servers", servers.stream().map(UpstreamsEndpoint::server).toList()))
			.toList();
		view.put("levels", levels);
		Map<String, Object> active = new LinkedHashMap<>();
		active.put("type", spec.active().type().name().toLowerCase(java.util.Locale.ROOT));
		if (spec.active().type() != UpstreamSpec.CheckType.NONE) {
			active.put("path", spec.active().path());
			active.put("interval", text(spec.active().interval()));
			active.put("timeout", text(spec.active().timeout()));
			active.put("healthy-threshold", spec.active().healthyThreshold());
			active.put("unhealthy-threshold", spec.active().unhealthyThreshold());
			active.put("statuses", spec.active().statuses().toString());
		}
		Map<String, Object> passive = new LinkedHashMap<>();
		passive.put("statuses", spec.passive().statuses().toString());
		passive.put("max-fails", spec.passive().maxFails());
		passive.put("fail-timeout", text(spec.passive().failTimeout()));
		view.put("health", Map.of("active", active, "passive", passive, "protected", spec.protect()));
		return view;
	}

	private static Map<String, Object> server(Upstream.ServerReport report) {
		Map<String, Object> server = new LinkedHashMap<>();
		server.put("server", report.id());
		server.put("status", report.status().label());
		server.put("weight", report.weight());
		server.put("effective-weight", report.effectiveWeight());
		server.put("max-fails", report.maxFails());
		server.put("fail-timeout", text(report.failTimeout()));
		server.put("fail-num", report.recentFailures());
		server.put("requests", report.requests());
		server.put("failures", report.failures());
		server.put("ejections", report.ejections());
		server.put("last-check", text(report.lastCheck()));
		server.put("msg", report.message());
		return server;
	}

	private static List<String> retryOn(UpstreamSpec.RetryOn retryOn) {
		List<String> items = new java.util.ArrayList<>();
		if (retryOn.connectFailure()) {
			items.add("connect-failure");
		}
		if (retryOn.timeout()) {
			items.add("timeout");
		}
		if (!retryOn.statuses().isEmpty()) {
			items.add(retryOn.statuses().toString());
		}
		if (retryOn.nonIdempotent()) {
			items.add("non-idempotent");
		}
		return items;
	}

	private static @Nullable String text(@Nullable Instant instant) {
		return instant == null ? null : instant.toString();
	}

	static String text(Duration duration) {
		if (duration.isZero()) {
			return "0";
		}
		if (duration.toMillis() % 1000 != 0) {
			return duration.toMillis() + "ms";
		}
		return duration.toSeconds() + "s";
	}

}
