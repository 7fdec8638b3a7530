package io.restygateway.ratelimit;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

/**
 * Stops waiting on a store that is down: after {@code failureThreshold} failures in a row it opens, and every call
 * is answered at once without trying the store; after {@code openFor} one call is let through as a probe
 * (half-open), and its success closes the breaker while its failure opens it again. Times are nanoseconds from an
 * injected clock.
 */
public final class CircuitBreaker {

	/** Where the breaker stands. */
	public enum State {

		/** Calls go to the store. */
		CLOSED,
		/** Calls are answered without the store. */
		OPEN,
		/** One probe is on its way; the other calls are answered without the store. */
		HALF_OPEN

	}

	private final int failureThreshold;

	private final long openForNanos;

	private final LongSupplier nanoClock;

	private final AtomicReference<State> state = new AtomicReference<>(State.CLOSED);

	private final AtomicInteger failuresInARow = new AtomicInteger();

	private final AtomicLong openedAt = new AtomicLong();

	private final AtomicLong openings = new AtomicLong();

	/**
	 * @param failureThreshold failures in a row that open it, at least 1
	 * @param openForNanos how long it stays open before a probe
	 * @param nanoClock the clock, {@code System::nanoTime} in production
	 */
	public CircuitBreaker(int failureThreshold, long openForNanos, LongSupplier nanoClock) {
		if (failureThreshold < 1 || openForNanos < 0) {
			throw new IllegalArgumentException("failure-threshold must be at least 1 and open-for not negative");
		}
		this.failureThreshold = failureThreshold;
		this.openForNanos = openForNanos;
		this.nanoClock = nanoClock;
	}

	/**
	 * @return whether this call may go to the store; when it may, report its outcome with {@link #succeeded()} or
	 * {@link #failed()}
	 */
	public boolean tryAcquire() {
		State current = this.state.get();
		if (current == State.CLOSED) {
			return true;
		}
		if (current == State.OPEN && this.nanoClock.getAsLong() - this.openedAt.get() >= this.openForNanos) {
			return this.state.compareAndSet(State.OPEN, State.HALF_OPEN);
		}
		return false;
	}

	/** A call that went to the store succeeded. */
	public void succeeded() {
		this.failuresInARow.set(0);
		this.state.set(State.CLOSED);
	}

	/** A call that went to the store failed or timed out. */
	public void failed() {
		int failures = this.failuresInARow.incrementAndGet();
		State current = this.state.get();
		if (current == State.HALF_OPEN || (current == State.CLOSED && failures >= this.failureThreshold)) {
			this.openedAt.set(this.nanoClock.getAsLong());
			if (this.state.getAndSet(State.OPEN) != State.OPEN) {
				this.openings.incrementAndGet();
			}
		}
	}

	/** @return where it stands now */
	public State state() {
		return this.state.get();
	}

	/** @return how many times it has opened */
	public long openings() {
		return this.openings.get();
	}

}
