package io.restygateway.key;

import org.jspecify.annotations.Nullable;

/**
 * What a request key can read from a request. Implementations adapt a server exchange or a load-balancer request.
 */
public interface RequestView {

	/** @return the client's address (nginx's {@code $remote_addr}), or null when unknown */
	@Nullable String clientAddress();

	/** @return the path with its query string, as the client sent it (nginx's {@code $request_uri}) */
	String uri();

	/** @return the path, without the query string */
	String path();

	/** @return the id of the matched route, or null */
	@Nullable String routeId();

	/**
	 * @param name a header name, any case
	 * @return its first value, or null
	 */
	@Nullable String header(String name);

	/**
	 * @param name a cookie name
	 * @return its first value, or null
	 */
	@Nullable String cookie(String name);

	/**
	 * @param name a query parameter name
	 * @return its first value (decoded), or null
	 */
	@Nullable String query(String name);

}
