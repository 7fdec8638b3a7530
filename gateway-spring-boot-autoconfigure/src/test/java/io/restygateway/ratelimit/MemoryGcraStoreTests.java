package io.restygateway.ratelimit;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import io.restygateway.ratelimit.Gcra.Limit;

import static org.assertj.core.api.Assertions.assertThat;

class MemoryGcraStoreTests {

	@Test
	void concurrentDecisionsOnOneKeyAdmitExactlyBurstPlusOne() throws Exception {
		MemoryGcraStore store = new MemoryGcraStore(Limit.of(Rate.parse("10r/s"), 5), 10_000);
		AtomicInteger admitted = new AtomicInteger();
		ExecutorService threads = Executors.newFixedThreadPool(8);
		List<Future<?>> work = new ArrayList<>();
		for (int t = 0; t < 8; t++) {
			work.add(threads.submit(() -> {
				for (int i = 0; i < 1000; i++) {
					if (store.decide("hot", 1, 5_000_000).allowed()) {
						admitted.incrementAndGet();
					}
				}
			}));
		}
		for (Future<?> future : work) {
			future.get(30, TimeUnit.SECONDS);
		}
		threads.shutdown();
		assertThat(admitted.get()).isEqualTo(6);
	}

	@Test
	void keysAreIndependentAndForgottenOnlyOnceTheirTatIsPast() {
		Limit limit = Limit.of(Rate.parse("1r/s"), 1);
		MemoryGcraStore store = new MemoryGcraStore(limit, 0, 10_000);
		assertThat(store.decide("a", 1, 0).allowed()).isTrue();
		assertThat(store.decide("a", 1, 0).allowed()).isTrue();
		assertThat(store.decide("a", 1, 0).allowed()).isFalse();
		assertThat(store.decide("b", 1, 0).allowed()).isTrue();
		assertThat(store.keys(0)).isEqualTo(2);
		// TATs: a at 2 s, b at 1 s. A key goes once its TAT is past, not before.
		assertThat(store.keys(999_999)).isEqualTo(2);
		assertThat(store.keys(1_000_000)).isEqualTo(1);
		assertThat(store.keys(1_999_999)).isEqualTo(1);
		assertThat(store.keys(2_000_000)).isZero();
		assertThat(store.decide("a", 1, 2_000_001).remaining()).isEqualTo(1);
	}

	@Test
	void aBanHoldsItsKeyUntilTheBanEnds() {
		Limit limit = Limit.of(Rate.parse("1r/s"), 0);
		MemoryGcraStore store = new MemoryGcraStore(limit, 10_000_000, 10_000);
		assertThat(store.decide("a", 1, 0).allowed()).isTrue();
		assertThat(store.decide("a", 1, 1).allowed()).isFalse();
		// Banned until 10 s after the refusal: the key must not be forgotten, or the ban would be.
		assertThat(store.keys(9_000_000)).isEqualTo(1);
		assertThat(store.decide("a", 1, 9_000_000).allowed()).isFalse();
		assertThat(store.keys(10_000_001)).isZero();
		assertThat(store.decide("a", 1, 10_000_001).allowed()).isTrue();
	}

	@Test
	void aFullStoreForgetsTheKeyThatHoldsLeastAndKeepsTheRest() {
		// Room for 3 keys. At 10 r/s with no burst each admitted request holds its key for 100 ms.
		Limit limit = Limit.of(Rate.parse("10r/s"), 0);
		MemoryGcraStore store = new MemoryGcraStore(limit, 0, 3);
		assertThat(store.decide("x", 1, 0).allowed()).isTrue();
		assertThat(store.decide("y", 1, 50_000).allowed()).isTrue();
		assertThat(store.decide("z", 1, 90_000).allowed()).isTrue();
		// At 95 ms x holds 5 ms, y 55 ms and z 95 ms: a fourth key takes x's place.
		assertThat(store.decide("w", 1, 95_000).allowed()).isTrue();
		assertThat(store.keys(95_000)).isEqualTo(3);
		assertThat(store.decide("y", 1, 96_000).allowed()).isFalse();
		assertThat(store.decide("z", 1, 96_000).allowed()).isFalse();
		assertThat(store.decide("w", 1, 96_000).allowed()).isFalse();
		assertThat(store.decide("x", 1, 96_000).allowed()).as("x was forgotten: it starts again").isTrue();
	}

	@Test
	void manyKeysAreSweptAsNewOnesComeSoMemoryFollowsTheKeysInUse() {
		Limit limit = Limit.of(Rate.parse("1000r/s"), 0);
		MemoryGcraStore store = new MemoryGcraStore(limit, 0, 1_000_000);
		// 100 000 keys, a new one each microsecond: each holds its key for 1 ms, so about 1 000 are live at a time.
		for (int i = 0; i < 100_000; i++) {
			assertThat(store.decide("k" + i, 1, i).allowed()).isTrue();
		}
		assertThat(store.keys(100_000)).isLessThanOrEqualTo(1_000);
		assertThat(store.decide("k99999", 1, 100_000).allowed()).isFalse();
	}

	@Test
	void decisionsRacingSweepsAreNeverMadeOnAForgottenState() throws Exception {
		// 4 threads decide on 8 keys while a fifth sweeps without pause: one clock for all, the limit exact.
		Limit limit = Limit.of(Rate.parse("1000r/s"), 4);
		MemoryGcraStore store = new MemoryGcraStore(limit, 0, 10_000);
		AtomicLong clock = new AtomicLong();
		AtomicInteger admitted = new AtomicInteger();
		ExecutorService threads = Executors.newFixedThreadPool(5);
		java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
		Future<?> sweeper = threads.submit(() -> {
			while (!done.get()) {
				store.keys(clock.get());
			}
		});
		List<Future<?>> work = new ArrayList<>();
		for (int t = 0; t < 4; t++) {
			work.add(threads.submit(() -> {
				for (int i = 0; i < 20_000; i++) {
					// Time moves 1 µs a decision: 80 000 µs over all, 80 ms at 1 r/ms per key.
					long now = clock.incrementAndGet();
					if (store.decide("k" + (i & 7), 1, now).allowed()) {
						admitted.incrementAndGet();
					}
				}
			}));
		}
		for (Future<?> future : work) {
			future.get(60, TimeUnit.SECONDS);
		}
		done.set(true);
		sweeper.get(10, TimeUnit.SECONDS);
		threads.shutdown();
		// Per key: burst + 1 at first, then one a millisecond. Forgetting a state would admit more.
		long end = clock.get();
		assertThat(admitted.get()).isLessThanOrEqualTo(8 * (5 + (int) (end / 1000) + 1));
	}

}
