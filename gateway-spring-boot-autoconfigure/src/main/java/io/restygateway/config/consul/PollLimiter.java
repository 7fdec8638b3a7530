package io.restygateway.config.consul;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * The token bucket that Consul's docs ask of a watch: a blocking query that returns is no proof of a change, and
 * while values churn every query returns at once, so polls are limited to a burst (2) and then one per refill period.
 * A quiet watch has a full bucket, so the first change after quiet is read at once. Not thread-safe: one watch thread.
 */
final class PollLimiter {

	private final double burst;

	private final long refillNanos;

	private final LongSupplier nanoTime;

	private double tokens;

	private long last;

	/**
	 * @param burst polls allowed back to back, at least 1
	 * @param refill the time for one more poll once the burst is spent
	 * @param nanoTime a monotonic clock
	 */
	PollLimiter(int burst, Duration refill, LongSupplier nanoTime) {
		if (burst < 1) {
			throw new IllegalArgumentException("burst must be at least 1: " + burst);
		}
		if (refill.isNegative()) {
			throw new IllegalArgumentException("refill must not be negative: " + refill);
		}
		this.burst = burst;
		this.refillNanos = refill.toNanos();
		this.nanoTime = nanoTime;
		this.tokens = burst;
		this.last = nanoTime.getAsLong();
	}

	/**
	 * Take one poll.
	 * @return how long to wait before making it, zero when a token was there
	 */
	Duration take() {
		long now = this.nanoTime.getAsLong();
		if (this.refillNanos == 0) {
			return Duration.ZERO;
		}
		this.tokens = Math.min(this.burst, this.tokens + (double) (now - this.last) / this.refillNanos);
		this.last = now;
		this.tokens -= 1;
		if (this.tokens >= 0) {
			return Duration.ZERO;
		}
		// The token is spent in advance: after waiting this long the bucket is back at zero.
		return Duration.ofNanos((long) (-this.tokens * this.refillNanos));
	}

}
