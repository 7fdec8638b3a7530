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
		AtomicLong nanos = new AtomicLong();
		Limit limit = Limit.of(Rate.parse("1r/s"), 1);
		MemoryGcraStore store = new MemoryGcraStore(limit, 0, 10_000, nanos::get);
		assertThat(store.decide("a", 1, 0).allowed()).isTrue();
		assertThat(store.decide("a", 1, 0).allowed()).isTrue();
		assertThat(store.decide("a", 1, 0).allowed()).isFalse();
		assertThat(store.decide("b", 1, 0).allowed()).isTrue();
		assertThat(store.keys()).isEqualTo(2);
		// τ + T = 2 s after the last request the keys go; their TATs (2 s and 1 s) are past by then.
		nanos.set(1_999_000_000L);
		assertThat(store.keys()).isEqualTo(2);
		nanos.set(2_000_000_001L);
		assertThat(store.keys()).isZero();
		assertThat(store.decide("a", 1, 2_000_001).remaining()).isEqualTo(1);
	}

}
