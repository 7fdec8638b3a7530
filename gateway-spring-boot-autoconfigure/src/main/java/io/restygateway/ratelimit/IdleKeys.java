package io.restygateway.ratelimit;

import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;

/**
 * The per-key states of an in-memory limiter, each dropped once it holds nothing that a new state would not hold.
 * <p>
 * A lookup of a known key is one hash-map read: no clock, no access order, no buffers. The map is tidied only when a
 * new key comes: a sweep over all keys once as many new keys have come as there are keys (at least 1 024), so that a
 * sweep costs each new key O(1) on average. A state is dropped by retiring it first, an
 * atomic step of its own: a decision racing the sweep either lands before (and the state is no longer idle, so it
 * stays) or finds the state retired and starts again on a new one, so no decision is ever made on a state that the map
 * has forgotten.
 * <p>
 * When the map is full of states that still hold something, the new key takes the place of the one that holds least
 * (closest to idle) among the first {@value #SAMPLE} that the map yields, as nginx's {@code limit_req} forces out its
 * oldest nodes when its zone is full: the key forced out starts again from nothing, which forgets the least.
 * @param <S> the state
 */
final class IdleKeys<S extends IdleKeys.State> {

	/** How many states are compared when one must be forced out of a full map. */
	static final int SAMPLE = 16;

	/** A key's state. */
	interface State {

		/**
		 * How much the state holds at a time: 0 when a new state would be the same.
		 * @param now the time, microseconds
		 * @return a measure of what it holds, 0 when idle
		 */
		long held(long now);

		/**
		 * Retire the state, atomically with any decision on it: once retired, every later decision on it reports that
		 * it must be made again on the key's new state.
		 * @param now the time, microseconds
		 * @param force whether to retire it even if it is not idle at {@code now}
		 * @return whether it is now retired
		 */
		boolean retire(long now, boolean force);

	}

	private final ConcurrentHashMap<String, S> states = new ConcurrentHashMap<>();

	private final LongFunction<S> create;

	private final long maximumKeys;

	private final AtomicLong newSinceSweep = new AtomicLong();

	/**
	 * @param create a new state at a time (microseconds)
	 * @param maximumKeys the most keys held, at least 1
	 */
	IdleKeys(LongFunction<S> create, long maximumKeys) {
		if (maximumKeys < 1) {
			throw new IllegalArgumentException("maximumKeys must be positive, not " + maximumKeys);
		}
		this.create = create;
		this.maximumKeys = maximumKeys;
	}

	/**
	 * The key's state, made if it has none. A state found retired by its user must be asked for again.
	 * @param key the key
	 * @param now the time, microseconds
	 * @return its state
	 */
	S get(String key, long now) {
		S state = this.states.get(key);
		return (state != null) ? state : add(key, now);
	}

	/**
	 * The key's state after the user found {@code retired} retired.
	 * @param key the key
	 * @param retired the state found retired
	 * @param now the time, microseconds
	 * @return its state now
	 */
	S replace(String key, S retired, long now) {
		this.states.remove(key, retired);
		return get(key, now);
	}

	/**
	 * The key's state, if it has one.
	 * @param key the key
	 * @return its state, or null
	 */
	S peek(String key) {
		return this.states.get(key);
	}

	private S add(String key, long now) {
		long size = this.states.size();
		if (this.newSinceSweep.incrementAndGet() >= Math.max(1024, size)) {
			sweep(now);
		}
		if (this.states.size() >= this.maximumKeys) {
			makeRoom(now);
		}
		return this.states.computeIfAbsent(key, k -> this.create.apply(now));
	}

	/**
	 * Drop every idle state.
	 * @param now the time, microseconds
	 */
	void sweep(long now) {
		this.newSinceSweep.set(0);
		for (Iterator<Map.Entry<String, S>> entries = this.states.entrySet().iterator(); entries.hasNext();) {
			Map.Entry<String, S> entry = entries.next();
			if (entry.getValue().retire(now, false)) {
				this.states.remove(entry.getKey(), entry.getValue());
			}
		}
	}

	// A sweep is due by count, not here: sweeping at every new key of a full map would cost each O(keys).
	private void makeRoom(long now) {
		while (this.states.size() >= this.maximumKeys) {
			Map.Entry<String, S> least = null;
			long leastHeld = Long.MAX_VALUE;
			int seen = 0;
			for (Map.Entry<String, S> entry : this.states.entrySet()) {
				long held = entry.getValue().held(now);
				if (held < leastHeld) {
					least = entry;
					leastHeld = held;
				}
				if (++seen == SAMPLE) {
					break;
				}
			}
			if (least == null) {
				return;
			}
			least.getValue().retire(now, true);
			this.states.remove(least.getKey(), least.getValue());
		}
	}

	/** @return how many keys are held */
	long size() {
		return this.states.size();
	}

}
