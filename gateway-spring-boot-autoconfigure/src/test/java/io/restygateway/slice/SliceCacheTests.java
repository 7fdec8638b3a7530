package io.restygateway.slice;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.netty.buffer.ByteBuf;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The slice cache's references, on an injected clock: a cached slice has exactly the cache's reference while nobody
 * reads it, each reader gets one of its own, concurrent requests for a missing slice share one load, and the cache
 * lets go of a slice when it is evicted (by bytes), expires, is replaced or the cache is closed, and of nothing twice.
 */
class SliceCacheTests {

	private final AtomicLong nanos = new AtomicLong();

	private final SliceCache cache = new SliceCache(10 * (100 + SliceCache.ENTRY_OVERHEAD), Duration.ofMinutes(1),
			this.nanos::get);

	private static final SliceCache.ObjectKey OBJECT = new SliceCache.ObjectKey("route", "/big.bin");

	private static SliceCache.SliceKey key(long index) {
		return new SliceCache.SliceKey(OBJECT, "\"v1\"", index);
	}

	private static ByteBuf bytes(int length, int fill) {
		ByteBuf bytes = SliceCache.allocate(length);
		for (int i = 0; i < length; i++) {
			bytes.writeByte(fill);
		}
		return bytes;
	}

	@Test
	void aLoadedSliceIsTheCallersAndTheCachesAndReadersTakeTheirOwn() {
		ByteBuf loaded = bytes(100, 7);
		ByteBuf first = this.cache.slice(key(0), () -> CompletableFuture.completedFuture(loaded)).join();
		assertThat(first).isSameAs(loaded);
		assertThat(loaded.refCnt()).as("the caller's and the cache's").isEqualTo(2);
		first.release();
		assertThat(loaded.refCnt()).isEqualTo(1);

		ByteBuf hit = this.cache.slice(key(0), () -> {
			throw new AssertionError("a cached slice is not loaded again");
		}).join();
		assertThat(hit.refCnt()).isEqualTo(2);
		assertThat(hit.getByte(99)).isEqualTo((byte) 7);
		hit.release();

		this.cache.close();
		assertThat(loaded.refCnt()).as("freed once the cache lets go").isZero();
	}

	@Test
	void concurrentRequestsForAMissingSliceShareOneLoad() {
		CompletableFuture<ByteBuf> upstream = new CompletableFuture<>();
		AtomicInteger loads = new AtomicInteger();
		List<CompletableFuture<ByteBuf>> waiting = new ArrayList<>();
		for (int i = 0; i < 5; i++) {
			waiting.add(this.cache.slice(key(1), () -> {
				loads.incrementAndGet();
				return upstream;
			}));
		}
		assertThat(loads).hasValue(1);
		ByteBuf loaded = bytes(100, 1);
		upstream.complete(loaded);
		for (CompletableFuture<ByteBuf> each : waiting) {
			assertThat(each.join()).isSameAs(loaded);
		}
		assertThat(loaded.refCnt()).as("five readers and the cache").isEqualTo(6);
		waiting.forEach(each -> each.join().release());
		assertThat(loaded.refCnt()).isEqualTo(1);
	}

	@Test
	void aFailedLoadIsSharedAndTheNextRequestLoadsAgain() {
		CompletableFuture<ByteBuf> upstream = new CompletableFuture<>();
		CompletableFuture<ByteBuf> first = this.cache.slice(key(2), () -> upstream);
		CompletableFuture<ByteBuf> second = this.cache.slice(key(2), () -> upstream);
		upstream.completeExceptionally(new IllegalStateException("cut off"));
		assertThatThrownBy(first::join).isInstanceOf(CompletionException.class).hasRootCauseMessage("cut off");
		assertThatThrownBy(second::join).isInstanceOf(CompletionException.class).hasRootCauseMessage("cut off");
		ByteBuf loaded = bytes(100, 2);
		ByteBuf again = this.cache.slice(key(2), () -> CompletableFuture.completedFuture(loaded)).join();
		assertThat(again).isSameAs(loaded);
		again.release();
		assertThat(this.cache.holds(key(2))).isTrue();
	}

	@Test
	void evictionByBytesLetsGoOfTheOldestWhileAReaderKeepsItsBytes() {
		List<ByteBuf> loaded = new ArrayList<>();
		ByteBuf reader = null;
		for (int i = 0; i < 30; i++) {
			ByteBuf bytes = bytes(100, i);
			loaded.add(bytes);
			ByteBuf mine = this.cache.slice(key(100 + i), () -> CompletableFuture.completedFuture(bytes)).join();
			if (i == 0) {
				reader = mine;
			}
			else {
				mine.release();
			}
		}
		assertThat(this.cache.size()).isLessThanOrEqualTo(10);
		assertThat(this.cache.weightedSize()).isLessThanOrEqualTo(10 * (100 + SliceCache.ENTRY_OVERHEAD));
		long freed = loaded.stream().filter(bytes -> bytes.refCnt() == 0).count();
		assertThat(freed).as("evicted and released").isGreaterThanOrEqualTo(19);
		assertThat(loaded.stream().allMatch(bytes -> bytes.refCnt() <= 2)).isTrue();
		// The first slice may be evicted, but its reader still holds intact bytes.
		assertThat(reader.refCnt()).isGreaterThanOrEqualTo(1);
		assertThat(reader.getByte(50)).isEqualTo((byte) 0);
		reader.release();
		this.cache.close();
		assertThat(loaded).allMatch(bytes -> bytes.refCnt() == 0);
	}

	@Test
	void anExpiredOrReplacedSliceIsLetGoOf() {
		ByteBuf old = bytes(100, 3);
		this.cache.put(key(3), old);
		old.release();
		ByteBuf replacement = bytes(100, 4);
		this.cache.put(key(3), replacement);
		replacement.release();
		assertThat(old.refCnt()).as("replaced").isZero();
		assertThat(replacement.refCnt()).isEqualTo(1);

		this.nanos.addAndGet(TimeUnit.MINUTES.toNanos(2));
		assertThat(this.cache.holds(key(3))).isFalse();
		this.cache.size();
		assertThat(replacement.refCnt()).as("expired").isZero();

		ByteBuf fresh = bytes(100, 5);
		ByteBuf got = this.cache.slice(key(3), () -> CompletableFuture.completedFuture(fresh)).join();
		assertThat(got).isSameAs(fresh);
		got.release();
	}

}
