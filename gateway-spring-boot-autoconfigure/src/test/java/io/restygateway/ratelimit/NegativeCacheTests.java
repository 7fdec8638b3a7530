package io.restygateway.ratelimit;

import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Refusals remembered until their retry time, on an injected clock: the limiter's {@link MicroClock} in
 * microseconds and its Caffeine ticker, which start from the same origin.
 */
class NegativeCacheTests {

	private static final long MS = 1000;

	private final AtomicLong nanos = new AtomicLong(7_000_000_000L);

	private final MicroClock clock = new MicroClock(this.nanos::get);

	private final NegativeCache cache = new NegativeCache(1000, this.clock.ticker());

	private void advanceMillis(long millis) {
		this.nanos.addAndGet(millis * 1_000_000);
	}

	@Test
	void aRefusalIsRememberedForWhatIsLeftOfItsRetryTime() {
		long now = this.clock.micros();
		assertThat(now).isZero();
		this.cache.refuse("z:a", now, 100 * MS);
		assertThat(this.cache.refusedFor("z:a", this.clock.micros())).isEqualTo(100 * MS);
		advanceMillis(40);
		assertThat(this.cache.refusedFor("z:a", this.clock.micros())).isEqualTo(60 * MS);
		this.nanos.addAndGet(59_999_000L);
		assertThat(this.cache.refusedFor("z:a", this.clock.micros())).isEqualTo(1);
		this.nanos.addAndGet(1_000L);
		assertThat(this.cache.refusedFor("z:a", this.clock.micros())).isZero();
		advanceMillis(1000);
		assertThat(this.cache.refusedFor("z:a", this.clock.micros())).isZero();
	}

	@Test
	void anUnknownKeyIsNotRefused() {
		this.cache.refuse("z:a", 0, 100 * MS);
		assertThat(this.cache.refusedFor("z:b", 0)).isZero();
	}

	@Test
	void entriesExpireByTheTicker() {
		this.cache.refuse("z:a", 0, 100 * MS);
		this.nanos.addAndGet(100 * 1_000_000L - 1);
		// Still held 1 ns before its end: asked as of time 0, the whole retry is left.
		assertThat(this.cache.refusedFor("z:a", 0)).isEqualTo(100 * MS);
		this.nanos.addAndGet(1);
		// The ticker says it is over: the entry is gone, whatever the caller's "now" says.
		assertThat(this.cache.refusedFor("z:a", 0)).isZero();
	}

	@Test
	void aLaterRefusalReplacesTheEarlierAndItsExpiry() {
		this.cache.refuse("z:a", 0, 100 * MS);
		advanceMillis(50);
		this.cache.refuse("z:a", 50 * MS, 200 * MS);
		advanceMillis(100);
		assertThat(this.cache.refusedFor("z:a", this.clock.micros())).isEqualTo(100 * MS);
		advanceMillis(99);
		assertThat(this.cache.refusedFor("z:a", this.clock.micros())).isEqualTo(1 * MS);
		advanceMillis(1);
		assertThat(this.cache.refusedFor("z:a", this.clock.micros())).isZero();
	}

	@Test
	void aZeroOrNegativeRetryIsNotRemembered() {
		// Were it stored, an entry until 1000 + (−500) = 500 µs would show when asked as of time 0.
		this.cache.refuse("z:a", 1000, -500);
		assertThat(this.cache.refusedFor("z:a", 0)).isZero();
		this.cache.refuse("z:b", 1000, 0);
		assertThat(this.cache.refusedFor("z:b", 0)).isZero();
		// Nor does it replace a refusal still running.
		this.cache.refuse("z:c", 0, 100 * MS);
		this.cache.refuse("z:c", 0, 0);
		this.cache.refuse("z:c", 0, -1);
		assertThat(this.cache.refusedFor("z:c", 0)).isEqualTo(100 * MS);
	}

	@Test
	void keysAreIndependent() {
		this.cache.refuse("z:a", 0, 100 * MS);
		this.cache.refuse("z:b", 0, 300 * MS);
		advanceMillis(150);
		assertThat(this.cache.refusedFor("z:a", this.clock.micros())).isZero();
		assertThat(this.cache.refusedFor("z:b", this.clock.micros())).isEqualTo(150 * MS);
	}

}
