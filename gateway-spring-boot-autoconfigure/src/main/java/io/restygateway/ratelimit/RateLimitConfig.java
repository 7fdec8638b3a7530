package io.restygateway.ratelimit;

import org.jspecify.annotations.Nullable;


import io.restygateway.core.RouteConfig;

/**
 * The arguments both rate-limit filters take: what a bucket belongs to, and what a request without it gets.
 *
 * @param <C> the filter's own arguments, for fluent setters
 */
public abstract class RateLimitConfig<C extends RateLimitConfig<C>> extends RouteConfig {

	private @Nullable Object key = "ip";

	private @Nullable String zone;

	private boolean denyEmptyKey = true;

	private String emptyKeyStatus = "403";

	@SuppressWarnings("unchecked")
	private C self() {
		return (C) this;
	}

	public @Nullable Object getKey() {
		return this.key;
	}

	public C setKey(Object key) {
		this.key = key;
		return self();
	}

	public @Nullable String getZone() {
		return this.zone;
	}

	public C setZone(String zone) {
		this.zone = zone;
		return self();
	}

	public boolean isDenyEmptyKey() {
		return this.denyEmptyKey;
	}

	public C setDenyEmptyKey(boolean denyEmptyKey) {
		this.denyEmptyKey = denyEmptyKey;
		return self();
	}

	public String getEmptyKeyStatus() {
		return this.emptyKeyStatus;
	}

	public C setEmptyKeyStatus(String emptyKeyStatus) {
		this.emptyKeyStatus = emptyKeyStatus;
		return self();
	}

	/** @return the zone given, else the route id, else null */
	@Nullable String zoneOrRoute() {
		return this.zone != null && !this.zone.isBlank() ? this.zone : getRouteId();
	}

}
