package io.restygateway.key;

import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Set;

import org.jspecify.annotations.Nullable;

import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.http.HttpCookie;
import org.springframework.web.server.ServerWebExchange;

/**
 * A gateway exchange seen as a {@link RequestView}: what a route filter, such as a rate limit, keys its buckets on.
 */
public final class ExchangeRequestView implements RequestView {

	private final ServerWebExchange exchange;

	public ExchangeRequestView(ServerWebExchange exchange) {
		this.exchange = exchange;
	}

	@Override
	public @Nullable String clientAddress() {
		Object address = this.exchange.getAttribute(ClientAddressFilter.CLIENT_ADDRESS_ATTRIBUTE);
		if (address != null) {
			return address.toString();
		}
		InetSocketAddress remote = this.exchange.getRequest().getRemoteAddress();
		return remote == null || remote.getAddress() == null ? null : remote.getAddress().getHostAddress();
	}

	@Override
	public String uri() {
		// The URL as the client sent it, before any filter rewrote the path.
		URI original = originalUri();
		String path = original.getRawPath();
		String raw = path == null || path.isEmpty() ? "/" : path;
		String query = original.getRawQuery();
		return query == null ? raw : raw + "?" + query;
	}

	@Override
	public String path() {
		String path = originalUri().getPath();
		return path == null || path.isEmpty() ? "/" : path;
	}

	@Override
	public @Nullable String routeId() {
		Route route = this.exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR);
		return route == null ? null : route.getId();
	}

	@Override
	public @Nullable String header(String name) {
		return this.exchange.getRequest().getHeaders().getFirst(name);
	}

	@Override
	public @Nullable String cookie(String name) {
		HttpCookie cookie = this.exchange.getRequest().getCookies().getFirst(name);
		return cookie == null ? null : cookie.getValue();
	}

	@Override
	public @Nullable String query(String name) {
		return this.exchange.getRequest().getQueryParams().getFirst(name);
	}

	private URI originalUri() {
		// Filters such as StripPrefix replace the request; the URLs before them are kept in an attribute, first
		// the client's own.
		Set<URI> originals = this.exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_ORIGINAL_REQUEST_URL_ATTR);
		if (originals != null && !originals.isEmpty()) {
			return originals.iterator().next();
		}
		return this.exchange.getRequest().getURI();
	}

}
