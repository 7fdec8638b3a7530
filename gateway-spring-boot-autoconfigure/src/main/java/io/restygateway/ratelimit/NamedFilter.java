package io.restygateway.ratelimit;

import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.web.server.ServerWebExchange;

/**
 * A gateway filter that says what it is, for the {@code gateway} actuator endpoint's route listing.
 */
final class NamedFilter implements GatewayFilter {

	private final GatewayFilter delegate;

	private final String description;

	NamedFilter(GatewayFilter delegate, String description) {
		this.delegate = delegate;
		this.description = description;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
		return this.delegate.filter(exchange, chain);
	}

	@Override
	public String toString() {
		return this.description;
	}

}
