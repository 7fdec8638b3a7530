package io.restygateway.ratelimit;

import java.time.Duration;
import java.util.Locale;

import io.restygateway.ratelimit.Gcra.Limit;

/**
 * The checked arguments of one {@code LeakyBucket} filter.
 *
 * @param zone the name of the bucket family (lua-resty-redis-ratelimit's zone): routes with the same zone share
 * their buckets
 * @param rate the rate
 * @param limit the rate and burst in GCRA's terms
 * @param delay requests admitted at once before the rest wait their turn (nginx's {@code delay=N}); the burst for
 * {@code nodelay}
 * @param nodelay whether {@code delay} was {@code nodelay}
 * @param cost what one request costs
 * @param ban how long a refusal bans the key, microseconds; 0 for none
 * @param failOpen whether a route whose store failed lets requests through (at rate/instances from this instance's
 * memory) rather than answering 503
 */
public record LeakyBucketSettings(String zone, Rate rate, Limit limit, int delay, boolean nodelay, int cost, long ban,
		boolean failOpen) {

	/**
	 * Check the arguments as written in YAML.
	 * @param zone the zone
	 * @param rate e.g. {@code 10r/s}
	 * @param burst at least 0
	 * @param delay {@code nodelay} or a number of requests
	 * @param cost from 1 to burst + 1
	 * @param ban not negative
	 * @param onRedisFailure {@code allow} or {@code deny}
	 * @return the settings
	 * @throws InvalidRateLimitException naming the argument at fault
	 */
	public static LeakyBucketSettings of(String zone, String rate, int burst, String delay, int cost, Duration ban,
			String onRedisFailure) {
		if (zone == null || zone.isBlank()) {
			throw new InvalidRateLimitException("zone", "must not be empty");
		}
		Rate parsedRate;
		try {
			parsedRate = Rate.parse(rate == null ? "" : rate);
		}
		catch (IllegalArgumentException ex) {
			throw new InvalidRateLimitException("rate", ex.getMessage());
		}
		if (burst < 0) {
			throw new InvalidRateLimitException("burst", "must be at least 0, was " + burst);
		}
		Limit limit;
		try {
			limit = Limit.of(parsedRate, burst);
		}
		catch (ArithmeticException ex) {
			throw new InvalidRateLimitException("burst", "burst × 1/rate is too long, was " + burst);
		}
		String delayText = delay == null ? "nodelay" : delay.trim().toLowerCase(Locale.ROOT);
		boolean nodelay = delayText.equals("nodelay");
		int delayRequests;
		if (nodelay) {
			delayRequests = burst;
		}
		else {
			try {
				delayRequests = Integer.parseInt(delayText);
			}
			catch (NumberFormatException ex) {
				throw new InvalidRateLimitException("delay",
						"'" + delay + "' is neither nodelay nor a number of requests");
			}
			if (delayRequests < 0) {
				throw new InvalidRateLimitException("delay", "must be nodelay or at least 0, was " + delayRequests);
			}
		}
		if (cost < 1) {
			throw new InvalidRateLimitException("cost", "must be at least 1, was " + cost);
		}
		if (!limit.admits(cost)) {
			throw new InvalidRateLimitException("cost",
					"a cost of " + cost + " can never pass a burst of " + burst + " (at most burst + 1)");
		}
		if (ban == null || ban.isNegative()) {
			throw new InvalidRateLimitException("ban", "must not be negative, was " + ban);
		}
		String failure = onRedisFailure == null ? "allow" : onRedisFailure.trim().toLowerCase(Locale.ROOT);
		if (!failure.equals("allow") && !failure.equals("deny")) {
			throw new InvalidRateLimitException("on-redis-failure",
					"'" + onRedisFailure + "' is neither allow nor deny");
		}
		return new LeakyBucketSettings(zone, parsedRate, limit, delayRequests, nodelay, cost,
				ban.toNanos() / 1000, failure.equals("allow"));
	}

	/**
	 * The limit of one instance while Redis is away: the rate divided among the instances, and the burst too, but
	 * never below what one request costs.
	 * @param instances how many gateway instances share the limit, at least 1
	 * @return the local limit
	 */
	public Limit fallbackLimit(int instances) {
		int n = Math.max(1, instances);
		if (n == 1) {
			return this.limit;
		}
		long interval = Math.multiplyExact(this.limit.interval(), (long) n);
		int burst = Math.max(this.limit.burst() / n, this.cost - 1);
		return new Limit(interval, Math.multiplyExact(interval, (long) burst), burst);
	}

	/** @return the delay argument as written: {@code nodelay} or N */
	public String delayText() {
		return this.nodelay ? "nodelay" : Integer.toString(this.delay);
	}

}
