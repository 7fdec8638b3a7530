package io.restygateway.key;

import java.net.InetSocketAddress;

import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.core.Ordered;
import org.springframework.web.server.ServerWebExchange;

/**
 * Puts the client's address (the connection's remote address, nginx's {@code $remote_addr}) into an exchange
 * attribute, where a load balancer, which sees the request's headers and attributes but not its connection, can
 * read it for the {@code ip} request key.
 */
public class ClientAddressFilter implements GlobalFilter, Ordered {

	/** The exchange attribute that holds the client's address as text. */
	public static final String CLIENT_ADDRESS_ATTRIBUTE = ClientAddressFilter.class.getName() + ".clientAddress";

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
		InetSocketAddress remote = exchange.getRequest().getRemoteAddress();
		if (remote != null && remote.getAddress() != null) {
			exchange.getAttributes().put(CLIENT_ADDRESS_ATTRIBUTE, remote.getAddress().getHostAddress());
		}
		return chain.filter(exchange);
	}

	@Override
	public int getOrder() {
		return Ordered.HIGHEST_PRECEDENCE + 100;
	}

}
