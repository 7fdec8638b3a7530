package io.restygateway.upstream;

import java.net.URI;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import org.springframework.cloud.client.loadbalancer.RequestData;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.web.util.UriComponentsBuilder;

import io.restygateway.key.ClientAddressFilter;
import io.restygateway.key.RequestView;

/**
 * A Spring Cloud LoadBalancer request seen as a {@link RequestView}: the headers, cookies and URL it carries, the
 * client address and route from the exchange attributes.
 */
final class LoadBalancerRequestView implements RequestView {

	private final RequestData request;

	private @Nullable Map<String, List<String>> query;

	LoadBalancerRequestView(RequestData request) {
		this.request = request;
	}

	@Override
	public @Nullable String clientAddress() {
		Object address = attributes().get(ClientAddressFilter.CLIENT_ADDRESS_ATTRIBUTE);
		return address == null ? null : address.toString();
	}

	@Override
	public String uri() {
		URI original = originalUri();
		String raw = original.getRawPath() == null ? "/" : original.getRawPath();
		return original.getRawQuery() == null ? raw : raw + "?" + original.getRawQuery();
	}

	@Override
	public String path() {
		URI original = originalUri();
		return original.getPath() == null || original.getPath().isEmpty() ? "/" : original.getPath();
	}

	@Override
	public @Nullable String routeId() {
		Object route = attributes().get(ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR);
		return route instanceof Route r ? r.getId() : null;
	}

	@Override
	public @Nullable String header(String name) {
		return this.request.getHeaders() == null ? null : this.request.getHeaders().getFirst(name);
	}

	@Override
	public @Nullable String cookie(String name) {
		if (this.request.getCookies() == null) {
			return null;
		}
		List<String> values = this.request.getCookies().get(name);
		return values == null || values.isEmpty() ? null : values.get(0);
	}

	@Override
	public @Nullable String query(String name) {
		if (this.query == null) {
			this.query = UriComponentsBuilder.fromUri(originalUri()).build().getQueryParams();
		}
		List<String> values = this.query.get(name);
		if (values == null || values.isEmpty() || values.get(0) == null) {
			return null;
		}
		return java.net.URLDecoder.decode(values.get(0), java.nio.charset.StandardCharsets.UTF_8);
	}

	// The URL as the client sent it: RequestData carries the request's URI, which is the client's.
	private URI originalUri() {
		return this.request.getUrl();
	}

	private Map<String, Object> attributes() {
		Map<String, Object> attributes = this.request.getAttributes();
		return attributes == null ? Map.of() : attributes;
	}

}
