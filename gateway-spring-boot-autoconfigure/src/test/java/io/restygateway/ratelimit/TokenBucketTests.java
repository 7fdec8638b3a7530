package io.restygateway.ratelimit;

import org.junit.jupiter.api.Test;

import io.restygateway.ratelimit.TokenBucket.Take;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * lua-resty-limit-rate's semantics, with exact instants (µs): interval 100 ms, capacity 10, starting full.
 */
class TokenBucketTests {

	private static final long MS = 1000;

	@Test
	void tenImmediateTakesThenTheEleventhWaitsOneInterval() {
		TokenBucket bucket = new TokenBucket(100 * MS, 10, 1, Long.MAX_VALUE, 0);
		for (int i = 0; i < 10; i++) {
			Take take = bucket.take(1, true, 0);
			assertThat(take.allowed()).isTrue();
			assertThat(take.delay()).isZero();
			assertThat(take.available()).isEqualTo(9 - i);
		}
		Take eleventh = bucket.take(1, true, 0);
		assertThat(eleventh.allowed()).isTrue();
		assertThat(eleventh.delay()).isEqualTo(100 * MS);
		// The debt makes the next one queue behind it.
		assertThat(bucket.take(1, true, 0).delay()).isEqualTo(200 * MS);
	}

	@Test
	void aWaitBeyondMaxWaitIsRefusedAndTakesNothing() {
		TokenBucket bucket = new TokenBucket(100 * MS, 10, 1, 50 * MS, 0);
		for (int i = 0; i < 10; i++) {
			bucket.take(1, true, 0);
		}
		Take refused = bucket.take(1, true, 0);
		assertThat(refused.allowed()).isFalse();
		assertThat(bucket.available(0)).isZero();
		// 60 ms later the next token is 40 ms away: within max-wait.
		Take later = bucket.take(1, true, 60 * MS);
		assertThat(later.allowed()).isTrue();
		assertThat(later.delay()).isEqualTo(40 * MS);
	}

	@Test
	void refillIsDiscreteAndPartialIntervalsCarryOver() {
		TokenBucket bucket = new TokenBucket(100 * MS, 10, 1, Long.MAX_VALUE, 0);
		assertThat(bucket.takeAvailable(10, 0)).isEqualTo(10);
		assertThat(bucket.takeAvailable(5, 0)).isZero();
		assertThat(bucket.available(250 * MS)).isEqualTo(2);
		// The 50 ms left over count towards the next token.
		assertThat(bucket.available(300 * MS)).isEqualTo(3);
		assertThat(bucket.available(10_000 * MS)).isEqualTo(10);
	}

	@Test
	void takeAvailableNeverGoesIntoDebtAndADryRunChangesNothing() {
		TokenBucket bucket = new TokenBucket(100 * MS, 5, 2, Long.MAX_VALUE, 0);
		assertThat(bucket.takeAvailable(3, 0)).isEqualTo(3);
		assertThat(bucket.take(4, false, 0).delay()).isEqualTo(100 * MS);
		assertThat(bucket.available(0)).isEqualTo(2);
		assertThat(bucket.takeAvailable(7, 0)).isEqualTo(2);
		assertThat(bucket.takeAvailable(1, 0)).isZero();
	}

	@Test
	void uncommitIsCappedAtCapacity() {
		TokenBucket bucket = new TokenBucket(100 * MS, 3, 1, Long.MAX_VALUE, 0);
		bucket.take(1, true, 0);
		bucket.uncommit(0);
		bucket.uncommit(0);
		assertThat(bucket.available(0)).isEqualTo(3);
	}

}
