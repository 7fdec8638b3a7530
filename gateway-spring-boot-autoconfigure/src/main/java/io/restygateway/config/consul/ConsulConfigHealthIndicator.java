package io.restygateway.config.consul;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.IntSupplier;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

import io.restygateway.config.LayoutApplier;
import io.restygateway.core.DegradedHealth;

/**
 * The health of the Consul live source, contributed as {@code restyConsul}. While the watch gets answers it is UP
 * ({@code state: watching}). While Consul cannot be reached, or answers with errors, or has not answered yet, it is
 * {@link DegradedHealth#DEGRADED} ({@code state: degraded}): the last good routes and upstreams keep serving, so
 * the gateway is not down, and DEGRADED answers HTTP 200 like the other dependencies the gateway serves without
 * (Redis); the overall status becomes DEGRADED, never DOWN. Details: agent, prefix, the index of the last applied
 * snapshot and the index the watch blocks on, the last applied time, the last success and error, failures in a row,
 * routes and upstreams served, and the documents refused (by key: field and problem).
 */
public class ConsulConfigHealthIndicator implements HealthIndicator {

	private final ConsulConfigSource source;

	private final IntSupplier routes;

	private final IntSupplier upstreams;

	/**
	 * @param source the source
	 * @param routes how many routes it serves
	 * @param upstreams how many upstreams it serves
	 */
	public ConsulConfigHealthIndicator(ConsulConfigSource source, IntSupplier routes, IntSupplier upstreams) {
		this.source = source;
		this.routes = routes;
		this.upstreams = upstreams;
	}

	@Override
	public Health health() {
		ConsulConfigSource.Status status = this.source.status();
		KvWatch.State watch = status.watch();
		boolean degraded = watch.consecutiveFailures() > 0 || watch.lastSuccess() == null;
		Health.Builder health = degraded ? Health.status(DegradedHealth.DEGRADED) : Health.up();
		health.withDetail("state", degraded ? "degraded" : "watching");
		health.withDetail("agent", this.source.agent());
		health.withDetail("prefix", this.source.prefix());
		health.withDetail("index", Long.toUnsignedString(status.appliedIndex()));
		health.withDetail("watchIndex", Long.toUnsignedString(watch.index()));
		health.withDetail("lastApplied", status.lastApplied() == null ? "never" : status.lastApplied().toString());
		health.withDetail("lastSuccess", watch.lastSuccess() == null ? "never" : watch.lastSuccess().toString());
		health.withDetail("lastError", watch.lastError() == null ? "none" : watch.lastError());
		health.withDetail("consecutiveFailures", watch.consecutiveFailures());
		health.withDetail("routes", this.routes.getAsInt());
		health.withDetail("upstreams", this.upstreams.getAsInt());
		Map<String, Object> rejected = new LinkedHashMap<>();
		for (LayoutApplier.Rejection rejection : this.source.applier().rejections().values()) {
			rejected.put(rejection.key(), Map.of("field", rejection.field(), "problem", rejection.problem(), "at",
					rejection.at().toString(), "keptLastGood", rejection.keptLastGood()));
		}
		health.withDetail("rejected", rejected);
		return health.build();
	}

}
