package io.restygateway.config;

import java.util.Map;

/**
 * What one source of routes and upstreams (local YAML, Consul, Redis, the actuator's installed set) shows in
 * {@code GET /actuator/restyconfig}: its version or index, when it last applied a change, its last error, and what
 * it serves. A bean of this type is listed there under its {@link #name()}.
 */
public interface ConfigSourceView {

	/** @return the source's name, e.g. {@code yaml}, {@code consul} */
	String name();

	/**
	 * @return the source's state as JSON-ready values; by convention {@code version} (or {@code index}),
	 * {@code lastApplied}, {@code lastError}, {@code routes} and {@code upstreams}
	 */
	Map<String, Object> view();

}
