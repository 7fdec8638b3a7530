package io.restygateway.key;

import java.net.InetSocketAddress;
import java.net.URI;

import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.filter.ReactiveLoadBalancerClientFilter;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.core.Ordered;
import org.springframework.web.server.ServerWebExchange;

/**
 * Puts the client's address (the connection's remote address, nginx's {@code $remote_addr}) into an exchange
 * attribute, where a load balancer, which sees the request's headers and attributes but not its connection, can
 * read it for the {@code ip} request key. It runs just before the load balancer and its retries, when the request's
 * URL is final, and only for an {@code lb:} URL: other routes pay one attribute lookup and nothing else.
 */
public class ClientAddressFilter implements GlobalFilter, Ordered {

	/** The exchange attribute that holds the client's address as text. */
	public static final String CLIENT_ADDRESS_ATTRIBUTE = ClientAddressFilter.class.getName() + ".clientAddress";

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
		URI url = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR);
		if (url == null || !"lb".equals(url.getScheme())) {
			return chain.filter(exchange);
		}
		InetSocketAddress remote = exchange.getRequest().getRemoteAddress();
		if (remote != null && remote.getAddress() != null) {
			exchange.getAttributes().put(CLIENT_ADDRESS_ATTRIBUTE, remote.getAddress().getHostAddress());
		}
		return chain.filter(exchange);
	}

	@Override
	public int getOrder() {
		// Before UpstreamRetryFilter (LOAD_BALANCER_CLIENT_FILTER_ORDER - 1), whose attempts each choose a server.
		return ReactiveLoadBalancerClientFilter.LOAD_BALANCER_CLIENT_FILTER_ORDER - 2;
	}

}
