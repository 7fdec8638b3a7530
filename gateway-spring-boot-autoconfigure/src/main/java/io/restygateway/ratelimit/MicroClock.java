package io.restygateway.ratelimit;

import com.github.benmanes.caffeine.cache.Ticker;

/**
 * The local clock of the in-memory limiters: microseconds since the clock was made, so never negative, and the same
 * time as a Caffeine {@link Ticker} for the caches that expire their keys.
 */
public final class MicroClock {

	private final Ticker source;

	private final long origin;

	/**
	 * @param source nanoseconds, monotonic
	 */
	public MicroClock(Ticker source) {
		this.source = source;
		this.origin = source.read();
	}

	/** @return a clock on {@link System#nanoTime()} */
	public static MicroClock system() {
		return new MicroClock(Ticker.systemTicker());
	}

	/** @return microseconds since the clock was made */
	public long micros() {
		return (this.source.read() - this.origin) / 1000;
	}

	/** @return the same clock in nanoseconds, for Caffeine */
	public Ticker ticker() {
		return () -> this.source.read() - this.origin;
	}

}
