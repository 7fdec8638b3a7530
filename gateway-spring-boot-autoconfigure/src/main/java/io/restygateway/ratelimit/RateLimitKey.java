package io.restygateway.ratelimit;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.ratelimit.KeyResolver;
import org.springframework.web.server.ServerWebExchange;

import io.restygateway.key.ExchangeRequestView;
import io.restygateway.key.RequestKeys;

/**
 * What a rate-limit filter's {@code key} argument names: request keys ({@code ip}, {@code header:X-Api-Key, ip},
 * ...) or a Spring Cloud Gateway {@link KeyResolver} bean ({@code #{@userKeyResolver}}).
 */
final class RateLimitKey {

	private final @Nullable RequestKeys keys;

	private final @Nullable KeyResolver resolver;

	private RateLimitKey(@Nullable RequestKeys keys, @Nullable KeyResolver resolver) {
		this.keys = keys;
		this.resolver = resolver;
	}

	/**
	 * @param key the argument: text, or a KeyResolver that SpEL found
	 * @return the key
	 * @throws InvalidRateLimitException when it is neither
	 */
	static RateLimitKey of(@Nullable Object key) {
		if (key == null) {
			return new RateLimitKey(RequestKeys.parse("ip"), null);
		}
		if (key instanceof KeyResolver resolver) {
			return new RateLimitKey(null, resolver);
		}
		if (key instanceof CharSequence text) {
			try {
				return new RateLimitKey(RequestKeys.parse(text.toString()), null);
			}
			catch (IllegalArgumentException ex) {
				throw new InvalidRateLimitException("key", ex.getMessage());
			}
		}
		throw new InvalidRateLimitException("key", "a " + key.getClass().getName()
				+ " is neither request keys (ip, header:NAME, ...) nor a KeyResolver bean (#{@beanName})");
	}

	/**
	 * @param exchange the exchange
	 * @return the key's value, or empty when the request has none
	 */
	Mono<String> resolve(ServerWebExchange exchange) {
		if (this.resolver != null) {
			return this.resolver.resolve(exchange).filter(value -> !value.isEmpty());
		}
		return Mono.justOrEmpty(this.keys.resolve(new ExchangeRequestView(exchange)));
	}

	@Override
	public String toString() {
		return this.keys != null ? this.keys.toString() : "KeyResolver " + this.resolver.getClass().getSimpleName();
	}

}
