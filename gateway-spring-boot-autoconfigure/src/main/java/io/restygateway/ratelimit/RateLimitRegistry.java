package io.restygateway.ratelimit;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The limited routes of this instance: each rate-limit filter registers here when its route is built, with its
 * settings and its counts. Counts are kept by route and filter, so that they survive a refresh of the routes that
 * builds the filters again.
 */
public class RateLimitRegistry {

	/**
	 * One rate-limit filter on one route.
	 * @param routeId the route
	 * @param filter {@code LeakyBucket} or {@code TokenBucket}
	 * @param zone the bucket family (the route id unless set)
	 * @param settings the settings, as an operator reads them
	 * @param store where the buckets are: redis or memory
	 * @param stats its counts
	 */
	public record LimitedRoute(String routeId, String filter, String zone, Map<String, Object> settings, String store,
			RateLimitStats stats) {

		String id() {
			return this.routeId + "/" + this.filter + "/" + this.zone;
		}

	}

	private final Map<String, LimitedRoute> routes = new ConcurrentHashMap<>();

	private final Map<String, RateLimitStats> stats = new ConcurrentHashMap<>();

	private final List<Consumer<LimitedRoute>> listeners = new CopyOnWriteArrayList<>();

	/**
	 * @param routeId the route
	 * @param filter the filter's name
	 * @param zone the zone
	 * @return the counts for that filter, the same across refreshes
	 */
	public RateLimitStats stats(String routeId, String filter, String zone) {
		return this.stats.computeIfAbsent(routeId + "/" + filter + "/" + zone, id -> new RateLimitStats());
	}

	/**
	 * Register (or register again) a filter.
	 * @param route the filter on its route
	 */
	public void register(LimitedRoute route) {
		LimitedRoute previous = this.routes.put(route.id(), route);
		if (previous == null) {
			this.listeners.forEach(listener -> listener.accept(route));
		}
	}

	/** @return every filter registered, in no order */
	public Collection<LimitedRoute> all() {
		return new ArrayList<>(this.routes.values());
	}

	/**
	 * @param listener told of each filter registered for the first time, and at once of those already there
	 */
	public void addListener(Consumer<LimitedRoute> listener) {
		this.listeners.add(listener);
		all().forEach(listener);
	}

}
