package io.restygateway.config;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;

import org.springframework.cloud.gateway.event.RefreshRoutesEvent;
import org.springframework.cloud.gateway.route.RouteDefinition;
import org.springframework.cloud.gateway.route.RouteDefinitionLocator;
import org.springframework.context.ApplicationEventPublisher;

/**
 * The routes of one live source, served to the gateway as a {@link RouteDefinitionLocator} beside the routes of
 * {@code application.yml}. Each definition carries two metadata entries: {@value #SOURCE} (e.g. {@code consul}) and
 * {@value #KEY} (its key, e.g. {@code resty/routes/shop}); the key is what a scoped {@code RefreshRoutesEvent}
 * matches, so that changing one route rebuilds that route only.
 *
 * <p>The set is replaced whole on each change (copy on write), so the gateway always reads a consistent set. Changes
 * come from one thread (the source's watch); reads from any.
 */
public final class LiveRoutes implements RouteDefinitionLocator {

	/** The metadata entry that names the source of a route. */
	public static final String SOURCE = "resty-config-source";

	/** The metadata entry that names the key a route came from; scoped refreshes match on it. */
	public static final String KEY = "resty-config-key";

	private final String source;

	private volatile Map<String, RouteDefinition> routes = Map.of();

	/**
	 * @param source the source's name, for {@value #SOURCE}
	 */
	public LiveRoutes(String source) {
		this.source = source;
	}

	@Override
	public Flux<RouteDefinition> getRouteDefinitions() {
		// A disabled route is kept (it is valid, and shown by the source's health) but not served.
		return Flux.fromIterable(this.routes.values()).filter(RouteDefinition::isEnabled);
	}

	/**
	 * Create or replace a route.
	 * @param key the key it came from, unique among this source's routes
	 * @param definition the checked definition; its metadata gains {@value #SOURCE} and {@value #KEY}
	 */
	public synchronized void put(String key, RouteDefinition definition) {
		Map<String, Object> metadata = new LinkedHashMap<>(definition.getMetadata());
		metadata.put(SOURCE, this.source);
		metadata.put(KEY, key);
		definition.setMetadata(metadata);
		Map<String, RouteDefinition> next = new TreeMap<>(this.routes);
		next.put(key, definition);
		this.routes = Collections.unmodifiableMap(next);
	}

	/**
	 * @param key the key a route came from
	 * @return whether there was one
	 */
	public synchronized boolean remove(String key) {
		if (!this.routes.containsKey(key)) {
			return false;
		}
		Map<String, RouteDefinition> next = new TreeMap<>(this.routes);
		next.remove(key);
		this.routes = Collections.unmodifiableMap(next);
		return true;
	}

	/**
	 * @param key a key
	 * @return the route from it, or null
	 */
	public @Nullable RouteDefinition get(String key) {
		return this.routes.get(key);
	}

	/** @return every route, by key, sorted */
	public Map<String, RouteDefinition> all() {
		return this.routes;
	}

	/** @return the source's name */
	public String source() {
		return this.source;
	}

	/**
	 * The metadata a scoped {@code RefreshRoutesEvent} carries to rebuild the route of one key.
	 * @param key the key
	 * @return the metadata to match
	 */
	public static Map<String, Object> scope(String key) {
		return Map.of(KEY, key);
	}

	/**
	 * More route changes than this in one snapshot (the first load, a bulk import) make one full refresh instead of
	 * one scoped refresh per route: each scoped refresh re-sorts the whole cached list.
	 */
	public static final int MAX_SCOPED_REFRESHES = 16;

	/**
	 * Have the gateway rebuild the routes of the keys a source changed: one scoped refresh per key, which rebuilds
	 * that key's route (or drops it when deleted) and keeps every other cached route, or one full refresh for more
	 * than {@link #MAX_SCOPED_REFRESHES}. Nothing for no route key: upstreams are read by the load balancer at each
	 * request, so nothing needs rebuilding for them.
	 * @param publisher where the events go
	 * @param source the events' source
	 * @param routeKeys the keys of the routes that changed
	 */
	public static void refresh(ApplicationEventPublisher publisher, Object source, Collection<String> routeKeys) {
		if (routeKeys.isEmpty()) {
			return;
		}
		if (routeKeys.size() > MAX_SCOPED_REFRESHES) {
			publisher.publishEvent(new RefreshRoutesEvent(source));
			return;
		}
		for (String key : routeKeys) {
			publisher.publishEvent(new RefreshRoutesEvent(source, scope(key)));
		}
	}

}
