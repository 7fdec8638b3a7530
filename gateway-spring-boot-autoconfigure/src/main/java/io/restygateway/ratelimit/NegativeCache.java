package io.restygateway.ratelimit;

import java.util.concurrent.TimeUnit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;

/**
 * Refusals remembered in this JVM until their retry time, so that a client that keeps knocking is answered without
 * a round trip to Redis (Envoy's local cache of keys over their limit). It is safe because a refusal changes no
 * state and a key's TAT only moves forward, other instances included: a request refused until {@code t} is refused
 * by Redis too until {@code t}. Times are microseconds on the caller's monotonic clock.
 */
public final class NegativeCache {

	private final Cache<String, Long> refusedUntil;

	/**
	 * @param maximumKeys the most keys remembered
	 * @param ticker Caffeine's clock, {@link Ticker#systemTicker()} in production, in step with the callers' clock
	 */
	public NegativeCache(long maximumKeys, Ticker ticker) {
		this.refusedUntil = Caffeine.newBuilder()
			.maximumSize(maximumKeys)
			.ticker(ticker)
			.expireAfter(new Expiry<String, Long>() {
				@Override
				public long expireAfterCreate(String key, Long until, long currentTime) {
					return Math.max(0, TimeUnit.MICROSECONDS.toNanos(until) - currentTime);
				}

				@Override
				public long expireAfterUpdate(String key, Long until, long currentTime, long currentDuration) {
					return expireAfterCreate(key, until, currentTime);
				}

				@Override
				public long expireAfterRead(String key, Long until, long currentTime, long currentDuration) {
					return currentDuration;
				}
			})
			.build();
	}

	/**
	 * Remember a refusal.
	 * @param key the bucket's key
	 * @param now the time, microseconds
	 * @param retryAfter when the same request may pass, microseconds from now
	 */
	public void refuse(String key, long now, long retryAfter) {
		if (retryAfter > 0) {
			this.refusedUntil.put(key, now + retryAfter);
		}
	}

	/**
	 * @param key the bucket's key
	 * @param now the time, microseconds
	 * @return how long the key is still refused, microseconds; 0 when it is not
	 */
	public long refusedFor(String key, long now) {
		Long until = this.refusedUntil.getIfPresent(key);
		return until == null ? 0 : Math.max(0, until - now);
	}

}
