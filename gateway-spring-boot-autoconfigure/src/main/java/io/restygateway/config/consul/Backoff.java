package io.restygateway.config.consul;

import java.time.Duration;

/**
 * Exponential back-off with a cap and jitter: after the n-th failure in a row, wait {@code initial * multiplier^(n-1)},
 * at most {@code max}, less up to {@code jitter} of it at random, so that gateways that lost Consul together do not
 * come back to it in step. Immutable; the random draw is passed in, so delays are exact in tests.
 */
public final class Backoff {

	private final Duration initial;

	private final Duration max;

	private final double multiplier;

	private final double jitter;

	/**
	 * @param initial the wait after the first failure, positive
	 * @param max the longest wait, at least {@code initial}
	 * @param multiplier how much each failure adds, at least 1
	 * @param jitter the share of a wait that may be taken off at random, from 0 (none) to 1
	 */
	public Backoff(Duration initial, Duration max, double multiplier, double jitter) {
		if (initial.isNegative() || initial.isZero()) {
			throw new IllegalArgumentException("initial must be positive: " + initial);
		}
		if (max.compareTo(initial) < 0) {
			throw new IllegalArgumentException("max " + max + " is below initial " + initial);
		}
		if (!(multiplier >= 1)) {
			throw new IllegalArgumentException("multiplier must be at least 1: " + multiplier);
		}
		if (!(jitter >= 0 && jitter <= 1)) {
			throw new IllegalArgumentException("jitter must be within [0, 1]: " + jitter);
		}
		this.initial = initial;
		this.max = max;
		this.multiplier = multiplier;
		this.jitter = jitter;
	}

	/** @return 100 ms, doubling, up to 10 s, up to 20% less at random */
	public static Backoff defaults() {
		return new Backoff(Duration.ofMillis(100), Duration.ofSeconds(10), 2.0, 0.2);
	}

	/**
	 * @param failures failures in a row, at least 1
	 * @param random a draw from [0, 1)
	 * @return how long to wait before the next try
	 */
	public Duration delay(int failures, double random) {
		double nanos = this.initial.toNanos() * Math.pow(this.multiplier, Math.max(0, failures - 1));
		// The cap is applied before the jitter, so that a long outage still spreads retries out.
		double capped = Math.min(nanos, this.max.toNanos());
		return Duration.ofNanos((long) (capped * (1 - this.jitter * random)));
	}

	/** @return the longest wait */
	public Duration max() {
		return this.max;
	}

	@Override
	public String toString() {
		return "Backoff[initial=" + this.initial + ", max=" + this.max + ", multiplier=" + this.multiplier
				+ ", jitter=" + this.jitter + "]";
	}

}
