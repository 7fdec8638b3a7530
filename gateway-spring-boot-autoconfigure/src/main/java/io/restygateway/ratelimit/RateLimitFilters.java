package io.restygateway.ratelimit;

import java.time.Duration;
import java.util.Optional;

import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.web.server.ServerWebExchange;

/**
 * What the two rate-limit filters share once a limiter has answered: the key, the empty key, and turning a verdict
 * into proxying at once, proxying after a delay that a leaving client cancels, 429 or 503.
 */
final class RateLimitFilters {

	/** The exchange attribute holding the verdict of the last rate limit the request passed. */
	static final String VERDICT_ATTRIBUTE = RateLimitFilters.class.getName() + ".verdict";

	private RateLimitFilters() {
	}

	/** Decides a verdict for a key. */
	@FunctionalInterface
	interface Decider {

		Mono<Verdict> decide(String key);

	}

	/** Gives back what a request that waited and was not sent had taken. */
	@FunctionalInterface
	interface GiveBack {

		void giveBack(String key);

	}

	/**
	 * The filter's behaviour, once its settings are checked.
	 * @param key the request key
	 * @param denyEmptyKey whether a request without a key is refused
	 * @param emptyKeyStatus the status it is refused with
	 * @param decider the limiter
	 * @param giveBack called when a delayed request is cancelled
	 * @param headers the headers' values
	 * @param includeHeaders whether to write the rate-limit headers
	 * @param stats the counts
	 * @return the filter
	 */
	static GatewayFilter filter(RateLimitKey key, boolean denyEmptyKey, HttpStatus emptyKeyStatus, Decider decider,
			GiveBack giveBack, RateLimitHeaders headers, boolean includeHeaders, RateLimitStats stats) {
		return (exchange, chain) -> key.resolve(exchange)
			.map(Optional::of)
			.defaultIfEmpty(Optional.empty())
			.flatMap(value -> {
				if (value.isEmpty()) {
					if (!denyEmptyKey) {
						return chain.filter(exchange);
					}
					stats.emptyKey();
					return Mono.error(new RateLimitedException(emptyKeyStatus,
							"the request has no value for the rate limit's key (" + key + ")", new HttpHeaders()));
				}
				return decider.decide(value.get()).flatMap(verdict -> {
					stats.record(verdict);
					return answer(exchange, chain, verdict, headers, includeHeaders, stats,
							() -> giveBack.giveBack(value.get()));
				});
			});
	}

	private static Mono<Void> answer(ServerWebExchange exchange, GatewayFilterChain chain, Verdict verdict,
			RateLimitHeaders headers, boolean includeHeaders, RateLimitStats stats, Runnable giveBack) {
		exchange.getAttributes().put(VERDICT_ATTRIBUTE, verdict);
		switch (verdict.outcome()) {
			case ADMITTED -> {
				headers.write(verdict, exchange.getResponse().getHeaders(), includeHeaders);
				return chain.filter(exchange);
			}
			case DELAYED -> {
				headers.write(verdict, exchange.getResponse().getHeaders(), includeHeaders);
				// Non-blocking: the request waits on a timer; a client that leaves cancels the timer, and the
				// upstream never sees the request.
				return Mono.delay(Duration.ofNanos(Math.multiplyExact(verdict.delay(), 1000L))).doOnCancel(() -> {
					stats.cancelled();
					giveBack.run();
				}).then(chain.filter(exchange));
			}
			case REJECTED -> {
				HttpHeaders answer = new HttpHeaders();
				headers.write(verdict, answer, includeHeaders);
				exchange.getResponse().getHeaders().addAll(answer);
				return Mono.error(new RateLimitedException(HttpStatus.TOO_MANY_REQUESTS, "rate limit exceeded", answer));
			}
			default -> {
				return Mono.error(new RateLimitedException(HttpStatus.SERVICE_UNAVAILABLE,
						"the rate-limit store is unavailable and the route fails closed", new HttpHeaders()));
			}
		}
	}

	/**
	 * @param status the status as written: a number such as {@code 403} or a name such as {@code FORBIDDEN}
	 * @return the status
	 * @throws InvalidRateLimitException when it is neither
	 */
	static HttpStatus status(String status) {
		String text = status.trim();
		try {
			return text.chars().allMatch(Character::isDigit) ? HttpStatus.valueOf(Integer.parseInt(text))
					: HttpStatus.valueOf(text.toUpperCase(java.util.Locale.ROOT).replace('-', '_'));
		}
		catch (IllegalArgumentException ex) {
			throw new InvalidRateLimitException("empty-key-status", "'" + status + "' is not an HTTP status");
		}
	}

	/**
	 * @param micros a duration in microseconds
	 * @return it as an operator writes it: {@code 0s}, {@code 2s}, {@code 100ms}, {@code 250us}
	 */
	static String duration(long micros) {
		if (micros % 1_000_000 == 0) {
			return micros / 1_000_000 + "s";
		}
		return micros % 1000 == 0 ? micros / 1000 + "ms" : micros + "us";
	}

}
