package io.restygateway.ratelimit;

import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import io.restygateway.ratelimit.CircuitBreaker.State;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * The breaker in front of Redis, on an injected nanosecond clock: closed until N failures in a row, open for exactly
 * {@code openFor}, then one probe whose outcome closes or re-opens it.
 */
class CircuitBreakerTests {

	private static final long OPEN_FOR = 1_000_000_000L;

	private final AtomicLong nanos = new AtomicLong(42_000_000_000L);

	private final CircuitBreaker breaker = new CircuitBreaker(3, OPEN_FOR, this.nanos::get);

	private void failTimes(int times) {
		for (int i = 0; i < times; i++) {
			assertThat(this.breaker.tryAcquire()).as("failure %d went to the store", i + 1).isTrue();
			this.breaker.failed();
		}
	}

	@Test
	void staysClosedUntilThresholdFailuresInARow() {
		assertThat(this.breaker.state()).isEqualTo(State.CLOSED);
		failTimes(2);
		assertThat(this.breaker.state()).isEqualTo(State.CLOSED);
		assertThat(this.breaker.tryAcquire()).isTrue();
		this.breaker.failed();
		assertThat(this.breaker.state()).isEqualTo(State.OPEN);
		assertThat(this.breaker.openings()).isEqualTo(1);
	}

	@Test
	void aSuccessResetsTheFailuresInARow() {
		failTimes(2);
		assertThat(this.breaker.tryAcquire()).isTrue();
		this.breaker.succeeded();
		// Two more failures make four in all but only two in a row: still closed.
		failTimes(2);
		assertThat(this.breaker.state()).isEqualTo(State.CLOSED);
		assertThat(this.breaker.openings()).isZero();
		failTimes(1);
		assertThat(this.breaker.state()).isEqualTo(State.OPEN);
	}

	@Test
	void openRefusesEveryCallUntilOpenForHasPassed() {
		failTimes(3);
		for (int i = 0; i < 5; i++) {
			assertThat(this.breaker.tryAcquire()).isFalse();
		}
		this.nanos.addAndGet(OPEN_FOR - 1);
		assertThat(this.breaker.tryAcquire()).as("1 ns before open-for ends").isFalse();
		assertThat(this.breaker.state()).isEqualTo(State.OPEN);
	}

	@Test
	void afterOpenForExactlyOneProbeIsLetThrough() {
		failTimes(3);
		this.nanos.addAndGet(OPEN_FOR);
		assertThat(this.breaker.tryAcquire()).as("the probe").isTrue();
		assertThat(this.breaker.state()).isEqualTo(State.HALF_OPEN);
		// While the probe is out, everyone else is answered without the store, however long it takes.
		assertThat(this.breaker.tryAcquire()).isFalse();
		this.nanos.addAndGet(10 * OPEN_FOR);
		assertThat(this.breaker.tryAcquire()).isFalse();
		assertThat(this.breaker.state()).isEqualTo(State.HALF_OPEN);
	}

	@Test
	void aProbeThatSucceedsClosesTheBreaker() {
		failTimes(3);
		this.nanos.addAndGet(OPEN_FOR);
		assertThat(this.breaker.tryAcquire()).isTrue();
		this.breaker.succeeded();
		assertThat(this.breaker.state()).isEqualTo(State.CLOSED);
		assertThat(this.breaker.tryAcquire()).isTrue();
		assertThat(this.breaker.tryAcquire()).isTrue();
		// The count of failures starts again from zero: it takes three more to open it.
		failTimes(2);
		assertThat(this.breaker.state()).isEqualTo(State.CLOSED);
		failTimes(1);
		assertThat(this.breaker.state()).isEqualTo(State.OPEN);
		assertThat(this.breaker.openings()).isEqualTo(2);
	}

	@Test
	void aProbeThatFailsReopensForAnotherOpenForFromItsFailure() {
		failTimes(3);
		this.nanos.addAndGet(OPEN_FOR);
		assertThat(this.breaker.tryAcquire()).isTrue();
		// The probe takes a while to fail: the new open period runs from its failure, not from the probe's start.
		this.nanos.addAndGet(300_000_000L);
		this.breaker.failed();
		assertThat(this.breaker.state()).isEqualTo(State.OPEN);
		assertThat(this.breaker.openings()).isEqualTo(2);
		assertThat(this.breaker.tryAcquire()).isFalse();
		this.nanos.addAndGet(OPEN_FOR - 1);
		assertThat(this.breaker.tryAcquire()).isFalse();
		this.nanos.addAndGet(1);
		assertThat(this.breaker.tryAcquire()).as("the next probe").isTrue();
		assertThat(this.breaker.tryAcquire()).isFalse();
		this.breaker.succeeded();
		assertThat(this.breaker.state()).isEqualTo(State.CLOSED);
		assertThat(this.breaker.openings()).isEqualTo(2);
	}

	@Test
	void aLateFailureWhileOpenNeitherCountsAnOpeningNorExtendsIt() {
		// Calls let through while it was closed may fail after it opened.
		assertThat(this.breaker.tryAcquire()).isTrue();
		assertThat(this.breaker.tryAcquire()).isTrue();
		assertThat(this.breaker.tryAcquire()).isTrue();
		assertThat(this.breaker.tryAcquire()).isTrue();
		this.breaker.failed();
		this.breaker.failed();
		this.breaker.failed();
		this.nanos.addAndGet(OPEN_FOR / 2);
		this.breaker.failed();
		assertThat(this.breaker.openings()).isEqualTo(1);
		this.nanos.addAndGet(OPEN_FOR / 2);
		assertThat(this.breaker.tryAcquire()).as("open-for counts from the opening failure").isTrue();
	}

	@Test
	void openingsAreCounted() {
		assertThat(this.breaker.openings()).isZero();
		for (int round = 1; round <= 3; round++) {
			failTimes(3);
			assertThat(this.breaker.openings()).isEqualTo(round);
			this.nanos.addAndGet(OPEN_FOR);
			assertThat(this.breaker.tryAcquire()).isTrue();
			this.breaker.succeeded();
		}
		assertThat(this.breaker.openings()).isEqualTo(3);
	}

	@Test
	void aZeroOpenForProbesAtOnce() {
		CircuitBreaker eager = new CircuitBreaker(1, 0, this.nanos::get);
		assertThat(eager.tryAcquire()).isTrue();
		eager.failed();
		assertThat(eager.state()).isEqualTo(State.OPEN);
		assertThat(eager.tryAcquire()).isTrue();
		assertThat(eager.state()).isEqualTo(State.HALF_OPEN);
		assertThat(eager.tryAcquire()).isFalse();
	}

	@Test
	void badArgumentsAreRefused() {
		assertThatIllegalArgumentException().isThrownBy(() -> new CircuitBreaker(0, OPEN_FOR, this.nanos::get))
			.withMessageContaining("failure-threshold");
		assertThatIllegalArgumentException().isThrownBy(() -> new CircuitBreaker(3, -1, this.nanos::get))
			.withMessageContaining("open-for");
	}

}
