package io.restygateway.slice;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;

/**
 * Slices kept in memory, as nginx's {@code proxy_cache} with {@code $slice_range} in the key does, and better bound:
 * a slice's key holds the route, the URI, the slice index and the object's validator, so that a changed object (a
 * new validator) never mixes old and new slices; what is known of an object (its length, validator and headers) is
 * kept beside them. Weighed by bytes, expiring a fixed time after it was written. Concurrent requests for the same
 * missing entry share one load: one upstream request (nginx's {@code proxy_cache_lock}).
 */
final class SliceCache {

	/** An object: a route and the URI the upstream is asked for. */
	record ObjectKey(String route, String uri) {
	}

	/** One slice of one version of an object. */
	record SliceKey(ObjectKey object, String validator, long index) {
	}

	private final AsyncCache<Object, Object> entries;

	/**
	 * @param maximumBytes the most bytes of slices kept
	 * @param timeToLive how long an entry is kept after it was written
	 * @param ticker the clock, {@link Ticker#systemTicker()} in production
	 */
	SliceCache(long maximumBytes, Duration timeToLive, Ticker ticker) {
		this.entries = Caffeine.newBuilder()
			.maximumWeight(maximumBytes)
			.weigher((Object key, Object value) -> value instanceof byte[] bytes ? bytes.length + 96 : 1024)
			.expireAfterWrite(timeToLive)
			.ticker(ticker)
			.buildAsync();
	}

	/**
	 * @param key the object
	 * @param load learns it from the upstream, when no request is already doing so
	 * @return what is known of it
	 */
	CompletableFuture<SliceObject> object(ObjectKey key, Supplier<CompletableFuture<SliceObject>> load) {
		return this.entries.get(key, (k, executor) -> load.get().thenApply(object -> (Object) object))
			.thenApply(SliceObject.class::cast);
	}

	/**
	 * @param key the slice
	 * @param load fetches it, when no request is already doing so
	 * @return its bytes
	 */
	CompletableFuture<byte[]> slice(SliceKey key, Supplier<CompletableFuture<byte[]>> load) {
		return this.entries.get(key, (k, executor) -> load.get().thenApply(bytes -> (Object) bytes))
			.thenApply(byte[].class::cast);
	}

	/**
	 * @param key a slice
	 * @return whether it is held now (complete)
	 */
	boolean holds(SliceKey key) {
		CompletableFuture<Object> entry = this.entries.getIfPresent(key);
		return entry != null && entry.isDone() && !entry.isCompletedExceptionally();
	}

	/**
	 * Keep a slice fetched otherwise (the one that told what the object is).
	 * @param key the slice
	 * @param bytes its bytes
	 */
	void put(SliceKey key, byte[] bytes) {
		this.entries.put(key, CompletableFuture.completedFuture(bytes));
	}

	/**
	 * Forget what is known of an object (its slices, keyed by the old validator, are then never asked for again and
	 * expire).
	 * @param key the object
	 */
	void forget(ObjectKey key) {
		this.entries.synchronous().invalidate(key);
	}

	/** @return the bytes held, approximately */
	long weightedSize() {
		return this.entries.synchronous().policy().eviction().map(e -> e.weightedSize().orElse(0)).orElse(0L);
	}

}
