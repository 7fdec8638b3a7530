package io.restygateway.ratelimit;

import java.math.BigDecimal;
import java.math.RoundingMode;

import org.springframework.http.HttpHeaders;

/**
 * The headers of a limited route's answers: {@code RateLimit-Limit}, {@code RateLimit-Remaining} and
 * {@code RateLimit-Reset} (the IETF draft's names), the {@code X-RateLimit-*} names of Spring Cloud Gateway's
 * RequestRateLimiter, and {@code Retry-After} on a refusal, in whole seconds rounded up so that waiting that long is
 * enough.
 *
 * @param limit requests a full bucket admits at once: burst + 1, or the token bucket's capacity
 * @param ratePerSecond the sustained rate
 * @param cost tokens one request takes
 */
record RateLimitHeaders(long limit, double ratePerSecond, int cost) {

	static final String LIMIT = "RateLimit-Limit";

	static final String REMAINING = "RateLimit-Remaining";

	static final String RESET = "RateLimit-Reset";

	static final String X_REMAINING = "X-RateLimit-Remaining";

	static final String X_REPLENISH_RATE = "X-RateLimit-Replenish-Rate";

	static final String X_BURST_CAPACITY = "X-RateLimit-Burst-Capacity";

	static final String X_REQUESTED_TOKENS = "X-RateLimit-Requested-Tokens";

	/**
	 * Write the headers of a verdict.
	 * @param verdict the verdict
	 * @param headers where to write them
	 * @param rateHeaders whether to write the rate-limit headers (Retry-After is always written on a refusal)
	 */
	void write(Verdict verdict, HttpHeaders headers, boolean rateHeaders) {
		if (verdict.outcome() == Verdict.Outcome.REJECTED) {
			headers.set(HttpHeaders.RETRY_AFTER, Long.toString(Math.max(1, Verdict.ceilSeconds(verdict.retryAfter()))));
		}
		if (!rateHeaders || verdict.outcome() == Verdict.Outcome.UNAVAILABLE) {
			return;
		}
		headers.set(LIMIT, Long.toString(this.limit));
		headers.set(REMAINING, Long.toString(verdict.remaining()));
		headers.set(RESET, Long.toString(Verdict.ceilSeconds(verdict.reset())));
		headers.set(X_REMAINING, Long.toString(verdict.remaining()));
		headers.set(X_REPLENISH_RATE, BigDecimal.valueOf(this.ratePerSecond)
			.setScale(6, RoundingMode.HALF_UP)
			.stripTrailingZeros()
			.toPlainString());
		headers.set(X_BURST_CAPACITY, Long.toString(this.limit));
		headers.set(X_REQUESTED_TOKENS, Integer.toString(this.cost));
	}

}
