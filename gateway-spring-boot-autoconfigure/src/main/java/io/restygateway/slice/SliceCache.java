package io.restygateway.slice;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.buffer.UnpooledDirectByteBuf;
import io.netty.util.IllegalReferenceCountException;
import org.jspecify.annotations.Nullable;

/**
 * Slices kept in memory, as nginx's {@code proxy_cache} with {@code $slice_range} in the key does, and better bound:
 * a slice's key holds the route, the URI, the slice index and the object's validator, so that a changed object (a
 * new validator) never mixes old and new slices; what is known of an object (its length, validator and headers) is
 * kept beside them. Weighed by bytes, expiring a fixed time after it was written. Concurrent requests for the same
 * missing slice share one load: one upstream request (nginx's {@code proxy_cache_lock}).
 * <p>
 * Slices live outside the heap, in direct buffers counted by reference: a garbage collector does not copy hundreds of
 * megabytes of cached bytes from one generation to the next, and a cached slice is written to a socket without being
 * copied. The cache holds one reference to each slice and lets it go when the slice is evicted, expires or is
 * replaced; every reader takes its own for as long as it writes. A buffer whose cache is dropped without being closed
 * (a route refreshed) is still freed by its cleaner once unreachable.
 */
final class SliceCache implements AutoCloseable {

	/** An object: a route and the URI the upstream is asked for. */
	record ObjectKey(String route, String uri) {
	}

	/** One slice of one version of an object. */
	record SliceKey(ObjectKey object, String validator, long index) {
	}

	/** Bookkeeping counted into a slice's weight besides its bytes. */
	static final int ENTRY_OVERHEAD = 96;

	private final AsyncCache<ObjectKey, SliceObject> objects;

	private final Cache<SliceKey, ByteBuf> slices;

	private final ConcurrentHashMap<SliceKey, CompletableFuture<ByteBuf>> loading = new ConcurrentHashMap<>();

	/**
	 * @param maximumBytes the most bytes of slices kept
	 * @param timeToLive how long an entry is kept after it was written
	 * @param ticker the clock, {@link Ticker#systemTicker()} in production
	 */
	SliceCache(long maximumBytes, Duration timeToLive, Ticker ticker) {
		this.objects = Caffeine.newBuilder().maximumSize(10_000).expireAfterWrite(timeToLive).ticker(ticker).buildAsync();
		this.slices = Caffeine.newBuilder()
			.maximumWeight(maximumBytes)
			.weigher((SliceKey key, ByteBuf bytes) -> bytes.capacity() + ENTRY_OVERHEAD)
			.expireAfterWrite(timeToLive)
			.ticker(ticker)
			// Let go of the cache's reference at once, in the thread that caused it, not later on a pool.
			.executor(Runnable::run)
			.removalListener((SliceKey key, ByteBuf bytes, com.github.benmanes.caffeine.cache.RemovalCause cause) -> {
				if (bytes != null) {
					bytes.release();
				}
			})
			.build();
	}

	/**
	 * A buffer for one slice's bytes, outside the heap. Its memory is given back when its last reference is released,
	 * or by its cleaner if it is dropped unreleased.
	 * @param length the slice's length
	 * @return an empty buffer of exactly that capacity, with one reference
	 */
	static ByteBuf allocate(int length) {
		return new UnpooledDirectByteBuf(UnpooledByteBufAllocator.DEFAULT, length, length);
	}

	/**
	 * @param key the object
	 * @param load learns it from the upstream, when no request is already doing so
	 * @return what is known of it
	 */
	CompletableFuture<SliceObject> object(ObjectKey key, Supplier<CompletableFuture<SliceObject>> load) {
		return this.objects.get(key, (k, executor) -> load.get());
	}

	/**
	 * A slice's bytes: cached, being loaded by another request, or loaded now.
	 * @param key the slice
	 * @param load fetches it, when no request is already doing so; its buffer's one reference passes to this cache
	 * @return the bytes, with a reference of the caller's own that the caller must release
	 */
	CompletableFuture<ByteBuf> slice(SliceKey key, Supplier<CompletableFuture<ByteBuf>> load) {
		ByteBuf cached = retained(this.slices.getIfPresent(key));
		if (cached != null) {
			return CompletableFuture.completedFuture(cached);
		}
		CompletableFuture<ByteBuf> mine = new CompletableFuture<>();
		CompletableFuture<ByteBuf> theirs = this.loading.putIfAbsent(key, mine);
		if (theirs != null) {
			// Joined: a reference of one's own when the bytes come, taken while the loader still holds its own. One
			// that arrives after the loader let go may find the bytes gone (evicted at once): it asks again.
			return theirs.thenCompose(bytes -> {
				ByteBuf own = retained(bytes);
				return own != null ? CompletableFuture.completedFuture(own) : slice(key, load);
			});
		}
		CompletableFuture<ByteBuf> loaded;
		try {
			loaded = load.get();
		}
		catch (RuntimeException ex) {
			loaded = CompletableFuture.failedFuture(ex);
		}
		return loaded.handle((bytes, error) -> {
			if (error != null) {
				this.loading.remove(key, mine);
				mine.completeExceptionally(error);
				throw error instanceof CompletionException completion ? completion : new CompletionException(error);
			}
			// The load's reference becomes the caller's; the cache takes one of its own.
			put(key, bytes);
			mine.complete(bytes);
			this.loading.remove(key, mine);
			return bytes;
		});
	}

	private static @Nullable ByteBuf retained(@Nullable ByteBuf bytes) {
		if (bytes == null) {
			return null;
		}
		try {
			return bytes.retain();
		}
		catch (IllegalReferenceCountException ex) {
			// Let go by the cache between the look-up and now.
			return null;
		}
	}

	/**
	 * @param key a slice
	 * @return whether it is held now
	 */
	boolean holds(SliceKey key) {
		return this.slices.getIfPresent(key) != null;
	}

	/**
	 * Keep a slice fetched otherwise (the one that told what the object is). The caller keeps its own reference.
	 * @param key the slice
	 * @param bytes its bytes
	 */
	void put(SliceKey key, ByteBuf bytes) {
		this.slices.put(key, bytes.retain());
	}

	/**
	 * Forget what is known of an object (its slices, keyed by the old validator, are then never asked for again and
	 * expire).
	 * @param key the object
	 */
	void forget(ObjectKey key) {
		this.objects.synchronous().invalidate(key);
	}

	/** @return the bytes held, approximately */
	long weightedSize() {
		return this.slices.policy().eviction().map(e -> e.weightedSize().orElse(0)).orElse(0L);
	}

	/** @return the slices held */
	long size() {
		this.slices.cleanUp();
		return this.slices.estimatedSize();
	}

	/** Let go of every slice. */
	@Override
	public void close() {
		this.slices.invalidateAll();
		this.slices.cleanUp();
	}

}
