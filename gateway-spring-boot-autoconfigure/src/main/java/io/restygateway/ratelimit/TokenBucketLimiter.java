package io.restygateway.ratelimit;

import java.time.Duration;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import io.restygateway.ratelimit.TokenBucket.Take;
import io.restygateway.ratelimit.Verdict.Outcome;
import io.restygateway.ratelimit.Verdict.Source;

/**
 * The decisions of one {@code TokenBucket} filter: one lua-resty-limit-rate bucket per key in this instance's memory.
 * A key untouched for as long as its bucket takes to fill (plus the longest wait) is dropped: a new bucket starts
 * full, which is what the old one would hold by then, so nothing is forgotten.
 */
public final class TokenBucketLimiter {

	private final TokenBucketSettings settings;

	private final MicroClock clock;

	private final Cache<String, TokenBucket> buckets;

	/**
	 * @param settings the filter's settings
	 * @param clock this instance's clock
	 * @param maximumKeys the most keys held
	 */
	public TokenBucketLimiter(TokenBucketSettings settings, MicroClock clock, long maximumKeys) {
		this.settings = settings;
		this.clock = clock;
		long idle = Math.addExact(settings.fillTime(), settings.maxWait()) + settings.interval();
		this.buckets = Caffeine.newBuilder()
			.expireAfterAccess(Duration.ofNanos(Math.multiplyExact(idle, 1000L)))
			.maximumSize(maximumKeys)
			.ticker(clock.ticker())
			.build();
	}

	/** @return the settings */
	public TokenBucketSettings settings() {
		return this.settings;
	}

	/**
	 * Take one token for a request.
	 * @param key the client's key
	 * @return the verdict
	 */
	public Verdict take(String key) {
		long now = this.clock.micros();
		TokenBucket bucket = bucket(key, now);
		Take take = bucket.take(1, true, now);
		long reset = bucket.untilFull(now);
		if (!take.allowed()) {
			// Waiting this long brings the wait within max-wait (for a lone client).
			long retry = Math.max(1, take.delay() - this.settings.maxWait());
			return new Verdict(Outcome.REJECTED, 0, retry, 0, reset, Source.MEMORY);
		}
		return new Verdict(take.delay() > 0 ? Outcome.DELAYED : Outcome.ADMITTED, take.delay(), 0,
				Math.max(0, take.available()), reset, Source.MEMORY);
	}

	/**
	 * Give back the token of a request that waited and was then not sent (its client left).
	 * @param key the client's key
	 */
	public void giveBack(String key) {
		long now = this.clock.micros();
		bucket(key, now).uncommit(now);
	}

	private TokenBucket bucket(String key, long now) {
		return this.buckets.get(key, k -> new TokenBucket(this.settings.interval(), this.settings.capacity(),
				this.settings.quantum(), this.settings.maxWait(), now));
	}

}
