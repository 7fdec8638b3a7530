package io.restygateway.config.admin;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.SortedMap;
import java.util.TreeMap;

import io.restygateway.config.LayoutApplier;

/**
 * A whole set of routes and upstreams, as staged, installed or kept: each route and upstream as its JSON document
 * (compact, as it was checked), by route id and by upstream name. Immutable.
 *
 * @param routes route id to its {@code RouteDefinition} JSON
 * @param upstreams upstream name to its JSON in the schema of {@code resty.upstreams.<name>}
 */
public record ConfigSet(SortedMap<String, String> routes, SortedMap<String, String> upstreams) {

	/** The empty set. */
	public static final ConfigSet EMPTY = new ConfigSet(new TreeMap<>(), new TreeMap<>());

	public ConfigSet {
		routes = Collections.unmodifiableSortedMap(new TreeMap<>(routes));
		upstreams = Collections.unmodifiableSortedMap(new TreeMap<>(upstreams));
	}

	/**
	 * The set in the key layout the live sources share ({@code routes/<id>}, {@code upstreams/<name>}), as
	 * {@link LayoutApplier#apply} and a Consul prefix take it.
	 * @return the keys, relative to a prefix, with their values
	 */
	public SortedMap<String, byte[]> layout() {
		SortedMap<String, byte[]> layout = new TreeMap<>();
		this.routes.forEach((id, json) -> layout.put(LayoutApplier.ROUTES + id, json.getBytes(StandardCharsets.UTF_8)));
		this.upstreams.forEach(
				(name, json) -> layout.put(LayoutApplier.UPSTREAMS + name, json.getBytes(StandardCharsets.UTF_8)));
		return layout;
	}

}
