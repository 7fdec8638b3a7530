package io.restygateway.proxy;

import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

import io.netty.channel.ChannelOption;
import org.jspecify.annotations.Nullable;
import reactor.netty.http.client.HttpClient;

import org.springframework.cloud.gateway.config.HttpClientProperties;
import org.springframework.cloud.gateway.route.Route;

import static org.springframework.cloud.gateway.support.RouteMetadataUtils.CONNECT_TIMEOUT_ATTR;
import static org.springframework.cloud.gateway.support.RouteMetadataUtils.RESPONSE_TIMEOUT_ATTR;

/**
 * One route as the lean path sees it, decided once per route and version of the routes: whether it can be forwarded
 * without the filter chain, and if so the HTTP client (with the route's connect timeout) and the response timeout
 * that Spring Cloud Gateway's {@code NettyRoutingFilter} would use for it.
 *
 * @param route the route
 * @param lean whether its requests may take the lean path
 * @param reason why not, when not (for the start-up report and the logs)
 * @param client the HTTP client for the route, when lean
 * @param responseTimeout how long the upstream may take to start its answer, or {@code null} for no limit
 */
record LeanRoute(Route route, boolean lean, String reason, @Nullable HttpClient client,
		@Nullable Duration responseTimeout) {

	/** {@code RouteToRequestUrlFilter}'s test for a route URI such as {@code lb:ws://name}. */
	private static final Pattern ANOTHER_SCHEME = Pattern.compile("[a-zA-Z]([a-zA-Z]|\\d|\\+|\\.|-)*:.*");

	static LeanRoute plan(Route route, @Nullable String gatewayReason, HttpClient client,
			HttpClientProperties properties) {
		if (gatewayReason != null) {
			return new LeanRoute(route, false, gatewayReason, null, null);
		}
		if (!route.getFilters().isEmpty()) {
			return new LeanRoute(route, false, "it has filters", null, null);
		}
		URI uri = route.getUri();
		String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
		if (!scheme.equals("http") && !scheme.equals("https")) {
			return new LeanRoute(route, false, "its URI is not http or https", null, null);
		}
		if (uri.getHost() == null || ANOTHER_SCHEME.matcher(uri.getSchemeSpecificPart()).matches()) {
			return new LeanRoute(route, false, "its URI has no host", null, null);
		}
		return new LeanRoute(route, true, "", client(route, client, properties),
				responseTimeout(route.getMetadata(), properties));
	}

	/**
	 * As {@code NettyRoutingFilter.getHttpClient}: the client with the route's connect timeout, else the global one.
	 * @param route the route
	 * @param client the gateway's HTTP client
	 * @param properties the gateway's HTTP client properties
	 * @return {@code client} itself when no connect timeout is set
	 */
	static HttpClient client(Route route, HttpClient client, HttpClientProperties properties) {
		Map<String, Object> metadata = route.getMetadata();
		Object connectTimeout = metadata.get(CONNECT_TIMEOUT_ATTR) != null ? metadata.get(CONNECT_TIMEOUT_ATTR)
				: properties.getConnectTimeout();
		if (connectTimeout == null) {
			return client;
		}
		int millis = connectTimeout instanceof Integer i ? i : Integer.parseInt(connectTimeout.toString());
		return client.option(ChannelOption.CONNECT_TIMEOUT_MILLIS, millis);
	}

	/**
	 * As {@code NettyRoutingFilter.getResponseTimeout}: the route's, a negative one for none, else the global one.
	 * @param metadata the route's metadata
	 * @param properties the gateway's HTTP client properties
	 * @return the response timeout, or {@code null} for none
	 */
	static @Nullable Duration responseTimeout(Map<String, Object> metadata, HttpClientProperties properties) {
		try {
			if (metadata.containsKey(RESPONSE_TIMEOUT_ATTR)) {
				Object value = metadata.get(RESPONSE_TIMEOUT_ATTR);
				Long millis = value instanceof Number n ? Long.valueOf(n.longValue())
						: value != null ? Long.valueOf(Long.parseLong(value.toString())) : null;
				return millis != null && millis >= 0 ? Duration.ofMillis(millis) : null;
			}
		}
		catch (NumberFormatException ex) {
			// As Spring Cloud Gateway: a value that is no number falls back to the global default.
		}
		return properties.getResponseTimeout();
	}

}
