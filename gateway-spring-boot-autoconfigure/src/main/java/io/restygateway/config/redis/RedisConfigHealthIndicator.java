package io.restygateway.config.redis;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.IntSupplier;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

import io.restygateway.config.LayoutApplier;
import io.restygateway.config.sync.VersionedSync;
import io.restygateway.core.DegradedHealth;

/**
 * The health of the Redis live source, contributed as {@code restyRedisConfig}. UP ({@code state: syncing}) while
 * polls succeed; {@link DegradedHealth#DEGRADED} ({@code state: degraded}) while Redis cannot be read, or has not
 * been read yet: the last good routes and upstreams keep serving, so the gateway is not down (DEGRADED answers HTTP
 * 200, as for Consul). Details: the keys, the version applied and whether one is published, the last applied time,
 * the last success and error, failures in a row, polls and fetches, routes and upstreams served, refused documents.
 */
public class RedisConfigHealthIndicator implements HealthIndicator {

	private final RedisConfigSource source;

	private final IntSupplier routes;

	private final IntSupplier upstreams;

	/**
	 * @param source the source
	 * @param routes how many routes it serves
	 * @param upstreams how many upstreams it serves
	 */
	public RedisConfigHealthIndicator(RedisConfigSource source, IntSupplier routes, IntSupplier upstreams) {
		this.source = source;
		this.routes = routes;
		this.upstreams = upstreams;
	}

	@Override
	public Health health() {
		VersionedSync.State state = this.source.state();
		boolean degraded = state.consecutiveFailures() > 0 || state.lastSuccess() == null;
		Health.Builder health = degraded ? Health.status(DegradedHealth.DEGRADED) : Health.up();
		health.withDetail("state", degraded ? "degraded" : "syncing");
		health.withDetail("versionKey", this.source.versionKey());
		health.withDetail("documentsKey", this.source.documentsKey());
		health.withDetail("version", state.version() == null ? "none" : String.valueOf(state.version()));
		health.withDetail("published", state.published());
		health.withDetail("lastApplied", state.lastApplied() == null ? "never" : state.lastApplied().toString());
		health.withDetail("lastSuccess", state.lastSuccess() == null ? "never" : state.lastSuccess().toString());
		health.withDetail("lastError", state.lastError() == null ? "none" : state.lastError());
		health.withDetail("consecutiveFailures", state.consecutiveFailures());
		health.withDetail("polls", state.polls());
		health.withDetail("fetches", state.fetches());
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
