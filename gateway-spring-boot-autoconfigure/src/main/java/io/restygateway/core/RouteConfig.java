package io.restygateway.core;

import org.jspecify.annotations.Nullable;

import org.springframework.cloud.gateway.support.HasRouteId;

/**
 * The part every Resty Gateway filter's arguments share: the id of the route the filter is on, which Spring Cloud
 * Gateway sets when it builds the route (null when a filter is made by hand in the Java DSL).
 */
public abstract class RouteConfig implements HasRouteId {

	private @Nullable String routeId;

	@Override
	public @Nullable String getRouteId() {
		return this.routeId;
	}

	@Override
	public void setRouteId(String routeId) {
		this.routeId = routeId;
	}

}
