package io.restygateway.ratelimit;

/**
 * One key's token bucket, as lua-resty-limit-rate keeps it: it starts full; every whole {@code interval} since the
 * last refill adds {@code quantum} tokens up to {@code capacity} (a partial interval carries over); a take that
 * goes below zero waits for the tokens it lacks, and its debt makes later takes queue behind it, unless the wait
 * would exceed {@code maxWait}, when it is refused and takes nothing. Times are passed in, in microseconds.
 * Thread-safe.
 */
public final class TokenBucket {

	private final long interval;

	private final long capacity;

	private final long quantum;

	private final long maxWait;

	private long available;

	private long last;

	/**
	 * @param interval microseconds between refills
	 * @param capacity the most tokens the bucket holds
	 * @param quantum tokens added per refill
	 * @param maxWait the longest wait granted, microseconds; {@link Long#MAX_VALUE} for no limit
	 * @param now the time the bucket is created, full
	 */
	public TokenBucket(long interval, long capacity, long quantum, long maxWait, long now) {
		if (interval < 1 || capacity < 1 || quantum < 1 || maxWait < 0) {
			throw new IllegalArgumentException("interval, capacity and quantum must be positive, max-wait not negative");
		}
		this.interval = interval;
		this.capacity = capacity;
		this.quantum = quantum;
		this.maxWait = maxWait;
		this.available = capacity;
		this.last = now;
	}

	/**
	 * What a take got.
	 * @param allowed whether it was granted
	 * @param delay how long to wait before going on, microseconds (0: at once)
	 * @param available the tokens left after it (negative: debt)
	 */
	public record Take(boolean allowed, long delay, long available) {
	}

	/**
	 * Take tokens.
	 * @param count how many
	 * @param commit false for a dry run that changes nothing
	 * @param now the time, microseconds
	 * @return what was granted
	 */
	public synchronized Take take(long count, boolean commit, long now) {
		refill(now);
		long after = this.available - count;
		if (after >= 0) {
			if (commit) {
				this.available = after;
			}
			return new Take(true, 0, after);
		}
		long wait = ceilDiv(-after, this.quantum) * this.interval - (now - this.last);
		if (wait > this.maxWait) {
			return new Take(false, wait, this.available);
		}
		if (commit) {
			this.available = after;
		}
		return new Take(true, wait, after);
	}

	/**
	 * Take what there is, up to {@code count}, never going into debt.
	 * @param count the most to take
	 * @param now the time, microseconds
	 * @return how many were taken
	 */
	public synchronized long takeAvailable(long count, long now) {
		refill(now);
		long taken = Math.max(0, Math.min(count, this.available));
		this.available -= taken;
		return taken;
	}

	/**
	 * Give one token back (a request that was admitted but not sent), never above capacity.
	 * @param now the time, microseconds
	 */
	public synchronized void uncommit(long now) {
		refill(now);
		this.available = Math.min(this.capacity, this.available + 1);
	}

	/**
	 * @param now the time, microseconds
	 * @return the tokens available now (negative: debt)
	 */
	public synchronized long available(long now) {
		refill(now);
		return this.available;
	}

	/**
	 * @param now the time, microseconds
	 * @return how long until the bucket is full again, microseconds (0 when it is full)
	 */
	public synchronized long untilFull(long now) {
		refill(now);
		if (this.available >= this.capacity) {
			return 0;
		}
		return ceilDiv(this.capacity - this.available, this.quantum) * this.interval - (now - this.last);
	}

	/** @return the most tokens it holds */
	public long capacity() {
		return this.capacity;
	}

	private void refill(long now) {
		long ticks = Math.floorDiv(now - this.last, this.interval);
		if (ticks > 0) {
			this.last += ticks * this.interval;
			this.available = Math.min(this.capacity, this.available + ticks * this.quantum);
		}
	}

	private static long ceilDiv(long a, long b) {
		return -Math.floorDiv(-a, b);
	}

}
