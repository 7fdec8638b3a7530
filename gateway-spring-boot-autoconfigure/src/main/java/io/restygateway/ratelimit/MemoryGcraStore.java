package io.restygateway.ratelimit;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;

import io.restygateway.ratelimit.Gcra.Decision;
import io.restygateway.ratelimit.Gcra.Limit;

/**
 * GCRA decisions in this JVM, for one limit: the store of the embedded default (no Redis), and later the fallback
 * while Redis is away. One TAT per key, updated with a compare-and-set loop, so decisions on one key are atomic
 * without a lock. A key is dropped after {@code τ + T} without a request: by then its TAT is in the past, which is
 * the same as no state, so no debt is ever forgotten; {@code maximumKeys} bounds the memory of a flood of keys.
 */
public final class MemoryGcraStore {

	private final Limit limit;

	private final long ban;

	private final Cache<String, AtomicLong> tats;

	/**
	 * @param limit the limit
	 * @param ban how long a refusal bans a key, microseconds; 0 for none
	 * @param maximumKeys the most keys kept
	 * @param ticker Caffeine's clock for expiry, {@link Ticker#systemTicker()} in production
	 */
	public MemoryGcraStore(Limit limit, long ban, long maximumKeys, Ticker ticker) {
		this.limit = limit;
		this.ban = ban;
		long horizon = Math.max(limit.tolerance() + limit.interval(), ban);
		this.tats = Caffeine.newBuilder()
			.expireAfterAccess(Duration.ofNanos(Math.multiplyExact(horizon, 1000L)))
			.maximumSize(maximumKeys)
			.ticker(ticker)
			.build();
	}

	/**
	 * @param limit the limit
	 * @param maximumKeys the most keys kept
	 */
	public MemoryGcraStore(Limit limit, long maximumKeys) {
		this(limit, 0, maximumKeys, Ticker.systemTicker());
	}

	/** @return the limit it decides */
	public Limit limit() {
		return this.limit;
	}

	/**
	 * Decide one request at a given time.
	 * @param key the bucket's key
	 * @param cost the cost, from 1 to burst + 1
	 * @param now the time in microseconds, never negative, on one monotonic clock for this store
	 * @return the decision
	 */
	public Decision decide(String key, int cost, long now) {
		return decide(key, cost, () -> now);
	}

	/**
	 * Decide one request now. The clock is read inside the compare-and-set loop, so that the decisions that win are
	 * made at times that never go backwards: a decision computed at an earlier time than one that got in first is
	 * made again, later.
	 * @param key the bucket's key
	 * @param cost the cost, from 1 to burst + 1
	 * @param clock the time in microseconds, never negative, monotonic
	 * @return the decision
	 */
	public Decision decide(String key, int cost, LongSupplier clock) {
		AtomicLong tat = this.tats.get(key, k -> new AtomicLong(Gcra.NO_STATE));
		while (true) {
			long current = tat.get();
			Decision decision = Gcra.decide(current, clock.getAsLong(), this.limit, cost, this.ban);
			if (decision.tat() == current || tat.compareAndSet(current, decision.tat())) {
				return decision;
			}
		}
	}

	/** @return the number of keys held now (after pending expiries) */
	public long keys() {
		this.tats.cleanUp();
		return this.tats.estimatedSize();
	}

}
