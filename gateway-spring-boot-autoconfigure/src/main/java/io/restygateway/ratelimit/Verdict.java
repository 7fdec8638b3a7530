package io.restygateway.ratelimit;

/**
 * What a limiter answered for one request, ready to become an HTTP answer.
 *
 * @param outcome admitted at once, admitted after a delay, refused (429), or refused because the store could not
 * decide (503)
 * @param delay for a delayed request, how long it waits before it is proxied, microseconds
 * @param retryAfter for a refused request, how long until the same request would pass, microseconds
 * @param remaining how many more requests would pass now
 * @param reset how long until the bucket is back to full (RateLimit-Reset), microseconds
 * @param source who decided
 */
public record Verdict(Outcome outcome, long delay, long retryAfter, long remaining, long reset, Source source) {

	/** The answer. */
	public enum Outcome {

		/** Proxied at once. */
		ADMITTED,
		/** Proxied after {@link Verdict#delay()}. */
		DELAYED,
		/** Refused with 429. */
		REJECTED,
		/** The store failed and the route fails closed: 503. */
		UNAVAILABLE

	}

	/** Who decided. */
	public enum Source {

		/** The shared store in Redis. */
		REDIS,
		/** This instance's memory: the store in use, not a fallback. */
		MEMORY,
		/** This instance's memory, standing in for Redis at rate/instances while Redis fails. */
		FALLBACK,
		/** This instance's memory of an earlier refusal, still running. */
		NEGATIVE_CACHE,
		/** Nobody: Redis failed and the route fails closed. */
		NONE

	}

	/** @return whether the request goes on to the upstream */
	public boolean admitted() {
		return this.outcome == Outcome.ADMITTED || this.outcome == Outcome.DELAYED;
	}

	/**
	 * @param micros a duration in microseconds
	 * @return whole seconds, rounded up, so that waiting that long is enough
	 */
	public static long ceilSeconds(long micros) {
		return micros <= 0 ? 0 : (micros + 999_999) / 1_000_000;
	}

}
