package io.restygateway.ratelimit;

import java.time.Duration;

/**
 * The checked arguments of one {@code TokenBucket} filter (lua-resty-limit-rate's {@code new}).
 *
 * @param interval microseconds between refills
 * @param capacity the most tokens a bucket holds; it starts full
 * @param quantum tokens added per refill
 * @param maxWait the longest a request may wait for its token, microseconds; longer waits are refused
 */
public record TokenBucketSettings(long interval, long capacity, long quantum, long maxWait) {

	/**
	 * Check the arguments as written in YAML.
	 * @param interval at least 1 ms
	 * @param capacity at least 1
	 * @param quantum at least 1
	 * @param maxWait not negative
	 * @return the settings
	 * @throws InvalidRateLimitException naming the argument at fault
	 */
	public static TokenBucketSettings of(Duration interval, long capacity, long quantum, Duration maxWait) {
		if (interval == null || interval.compareTo(Duration.ofMillis(1)) < 0) {
			throw new InvalidRateLimitException("interval", "must be at least 1ms, was " + interval);
		}
		if (capacity < 1) {
			throw new InvalidRateLimitException("capacity", "must be at least 1, was " + capacity);
		}
		if (quantum < 1) {
			throw new InvalidRateLimitException("quantum", "must be at least 1, was " + quantum);
		}
		if (maxWait == null || maxWait.isNegative()) {
			throw new InvalidRateLimitException("max-wait", "must not be negative, was " + maxWait);
		}
		return new TokenBucketSettings(interval.toNanos() / 1000, capacity, quantum, maxWait.toNanos() / 1000);
	}

	/** @return the sustained rate, requests per second */
	public double ratePerSecond() {
		return this.quantum * 1_000_000.0 / this.interval;
	}

	/** @return how long an untouched bucket takes to fill from empty, microseconds */
	public long fillTime() {
		return Math.multiplyExact(-Math.floorDiv(-this.capacity, this.quantum), this.interval);
	}

}
