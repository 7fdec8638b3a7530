package io.restygateway.ratelimit;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import io.restygateway.ratelimit.Gcra.Decision;
import io.restygateway.ratelimit.Gcra.Limit;

/**
 * GCRA decisions in this JVM, for one limit: the store of the embedded default (no Redis), and the fallback while
 * Redis is away. One TAT per key, updated with a compare-and-set loop, so decisions on one key are atomic without a
 * lock. A key is dropped once its TAT (or ban) is past, which is the same as no state, so no debt is ever forgotten
 * (see {@link IdleKeys}); {@code maximumKeys} bounds the memory of a flood of keys.
 */
public final class MemoryGcraStore {

	/** The state of a TAT dropped from the map: never a TAT, a ban or {@link Gcra#NO_STATE}. */
	static final long RETIRED = Long.MIN_VALUE + 1;

	private final Limit limit;

	private final long ban;

	private final IdleKeys<Tat> tats;

	/**
	 * @param limit the limit
	 * @param ban how long a refusal bans a key, microseconds; 0 for none
	 * @param maximumKeys the most keys kept
	 */
	public MemoryGcraStore(Limit limit, long ban, long maximumKeys) {
		this.limit = limit;
		this.ban = ban;
		this.tats = new IdleKeys<>(now -> new Tat(), maximumKeys);
	}

	/**
	 * @param limit the limit
	 * @param maximumKeys the most keys kept
	 */
	public MemoryGcraStore(Limit limit, long maximumKeys) {
		this(limit, 0, maximumKeys);
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
	 * Decide one request now. The clock is read again whenever the compare-and-set loses, so that the decisions that
	 * win are made at times that never go backwards: a decision computed at an earlier time than one that got in
	 * first is made again, later.
	 * @param key the bucket's key
	 * @param cost the cost, from 1 to burst + 1
	 * @param clock the time in microseconds, never negative, monotonic
	 * @return the decision
	 */
	public Decision decide(String key, int cost, LongSupplier clock) {
		long now = clock.getAsLong();
		Tat tat = this.tats.get(key, now);
		while (true) {
			long current = tat.get();
			if (current == RETIRED) {
				tat = this.tats.replace(key, tat, now);
				continue;
			}
			Decision decision = Gcra.decide(current, now, this.limit, cost, this.ban);
			if (decision.tat() == current || tat.compareAndSet(current, decision.tat())) {
				return decision;
			}
			now = clock.getAsLong();
		}
	}

	/**
	 * Drop the keys whose state is past at a time, and count the others.
	 * @param now the time, microseconds
	 * @return the number of keys still held
	 */
	public long keys(long now) {
		this.tats.sweep(now);
		return this.tats.size();
	}

	/** One key's TAT (or ban, or no state); {@link #RETIRED} once dropped from the map. */
	@SuppressWarnings("serial")
	static final class Tat extends AtomicLong implements IdleKeys.State {

		Tat() {
			super(Gcra.NO_STATE);
		}

		@Override
		public long held(long now) {
			return held(get(), now);
		}

		private static long held(long state, long now) {
			if (state == Gcra.NO_STATE || state == RETIRED) {
				return 0;
			}
			long until = Gcra.isBan(state) ? Gcra.banEnd(state) : state;
			return Math.max(0, until - now);
		}

		@Override
		public boolean retire(long now, boolean force) {
			while (true) {
				long state = get();
				if (state == RETIRED) {
					return true;
				}
				if (!force && held(state, now) > 0) {
					return false;
				}
				if (compareAndSet(state, RETIRED)) {
					return true;
				}
			}
		}

	}

}
