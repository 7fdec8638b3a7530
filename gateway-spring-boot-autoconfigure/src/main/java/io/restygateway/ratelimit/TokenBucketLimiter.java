package io.restygateway.ratelimit;

import io.restygateway.ratelimit.TokenBucket.Take;
import io.restygateway.ratelimit.Verdict.Outcome;
import io.restygateway.ratelimit.Verdict.Source;

/**
 * The decisions of one {@code TokenBucket} filter: one lua-resty-limit-rate bucket per key in this instance's memory.
 * A key is dropped once its bucket is full again (see {@link IdleKeys}): a new bucket starts full, which is what the
 * old one holds by then, so nothing is forgotten.
 */
public final class TokenBucketLimiter {

	private final TokenBucketSettings settings;

	private final MicroClock clock;

	private final IdleKeys<Held> buckets;

	/**
	 * @param settings the filter's settings
	 * @param clock this instance's clock
	 * @param maximumKeys the most keys held
	 */
	public TokenBucketLimiter(TokenBucketSettings settings, MicroClock clock, long maximumKeys) {
		this.settings = settings;
		this.clock = clock;
		this.buckets = new IdleKeys<>(now -> new Held(new TokenBucket(settings.interval(), settings.capacity(),
				settings.quantum(), settings.maxWait(), now)), maximumKeys);
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
		Held held = this.buckets.get(key, now);
		Take take;
		long reset;
		while (true) {
			synchronized (held) {
				if (!held.retired) {
					take = held.bucket.take(1, true, now);
					reset = held.bucket.untilFull(now);
					break;
				}
			}
			held = this.buckets.replace(key, held, now);
		}
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
		// A bucket dropped meanwhile was full, and so is its successor: nothing to give back to.
		Held held = this.buckets.peek(key);
		if (held != null) {
			synchronized (held) {
				if (!held.retired) {
					held.bucket.uncommit(now);
				}
			}
		}
	}

	/**
	 * Drop the keys whose buckets are full at a time, and count the others.
	 * @param now the time, microseconds
	 * @return the number of keys still held
	 */
	long keys(long now) {
		this.buckets.sweep(now);
		return this.buckets.size();
	}

	/** One key's bucket, retired (under its lock) once dropped from the map. */
	static final class Held implements IdleKeys.State {

		final TokenBucket bucket;

		boolean retired;

		Held(TokenBucket bucket) {
			this.bucket = bucket;
		}

		@Override
		public synchronized long held(long now) {
			return this.retired ? 0 : this.bucket.untilFull(now);
		}

		@Override
		public synchronized boolean retire(long now, boolean force) {
			if (!this.retired && (force || this.bucket.untilFull(now) == 0)) {
				this.retired = true;
			}
			return this.retired;
		}

	}

}
