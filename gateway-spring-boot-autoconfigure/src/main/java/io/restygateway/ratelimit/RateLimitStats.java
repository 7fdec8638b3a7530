package io.restygateway.ratelimit;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * The counts of one limited route's filter: what was admitted, delayed, refused, and how.
 */
public final class RateLimitStats {

	private final LongAdder admitted = new LongAdder();

	private final LongAdder delayed = new LongAdder();

	private final LongAdder rejected = new LongAdder();

	private final LongAdder unavailable = new LongAdder();

	private final LongAdder emptyKey = new LongAdder();

	private final LongAdder fallback = new LongAdder();

	private final LongAdder negativeCache = new LongAdder();

	private final LongAdder cancelled = new LongAdder();

	/**
	 * Count a verdict.
	 * @param verdict the verdict
	 */
	public void record(Verdict verdict) {
		switch (verdict.outcome()) {
			case ADMITTED -> this.admitted.increment();
			case DELAYED -> this.delayed.increment();
			case REJECTED -> this.rejected.increment();
			case UNAVAILABLE -> this.unavailable.increment();
		}
		if (verdict.source() == Verdict.Source.FALLBACK) {
			this.fallback.increment();
		}
		else if (verdict.source() == Verdict.Source.NEGATIVE_CACHE) {
			this.negativeCache.increment();
		}
	}

	/** Count a request that had no key and was denied. */
	public void emptyKey() {
		this.emptyKey.increment();
	}

	/** Count a delayed request whose client left before it was sent. */
	public void cancelled() {
		this.cancelled.increment();
	}

	/**
	 * @param outcome admitted, delayed, rejected, unavailable, empty-key or cancelled
	 * @return its count
	 */
	public long count(String outcome) {
		return counters().getOrDefault(outcome, 0L);
	}

	/** @return every count, by name, in a fixed order */
	public Map<String, Long> counters() {
		Map<String, Long> counts = new LinkedHashMap<>();
		counts.put("admitted", this.admitted.sum());
		counts.put("delayed", this.delayed.sum());
		counts.put("rejected", this.rejected.sum());
		counts.put("unavailable", this.unavailable.sum());
		counts.put("empty-key", this.emptyKey.sum());
		counts.put("cancelled", this.cancelled.sum());
		counts.put("by-fallback", this.fallback.sum());
		counts.put("by-negative-cache", this.negativeCache.sum());
		return counts;
	}

}
