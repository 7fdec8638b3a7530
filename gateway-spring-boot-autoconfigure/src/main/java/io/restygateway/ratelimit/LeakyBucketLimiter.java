package io.restygateway.ratelimit;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import io.restygateway.ratelimit.Gcra.Decision;
import io.restygateway.ratelimit.Gcra.Limit;
import io.restygateway.ratelimit.Verdict.Outcome;
import io.restygateway.ratelimit.Verdict.Source;

/**
 * The decisions of one {@code LeakyBucket} filter. With Redis: a refusal still running is answered from the
 * negative cache; otherwise one EVALSHA decides, within the backend's timeout; when Redis fails the route fails open
 * onto this instance's memory at rate/instances, or closed (503). Without Redis: the same algorithm in memory.
 */
public final class LeakyBucketLimiter {

	private final LeakyBucketSettings settings;

	private final @Nullable RedisLimitBackend redis;

	private final MicroClock clock;

	private final long maximumKeys;

	private final @Nullable NegativeCache negativeCache;

	private final @Nullable MemoryGcraStore memory;

	private volatile @Nullable MemoryGcraStore fallback;

	/**
	 * @param settings the filter's settings
	 * @param redis the shared store, or null to decide in memory
	 * @param clock this instance's clock
	 * @param maximumKeys the most keys held in memory (store, fallback, negative cache)
	 * @param negativeCache whether to remember refusals from Redis until their retry time
	 */
	public LeakyBucketLimiter(LeakyBucketSettings settings, @Nullable RedisLimitBackend redis, MicroClock clock,
			long maximumKeys, boolean negativeCache) {
		this.settings = settings;
		this.redis = redis;
		this.clock = clock;
		this.maximumKeys = maximumKeys;
		this.negativeCache = redis != null && negativeCache ? new NegativeCache(maximumKeys, clock.ticker()) : null;
		this.memory = redis == null ? memoryStore(settings.limit()) : null;
	}

	/** @return the settings */
	public LeakyBucketSettings settings() {
		return this.settings;
	}

	/** @return whether decisions are made in Redis */
	public boolean shared() {
		return this.redis != null;
	}

	/**
	 * Decide one request.
	 * @param key the client's key (the request key's value)
	 * @return the verdict; never an error, and within the backend's timeout
	 */
	public Mono<Verdict> decide(String key) {
		String bucket = this.settings.zone() + ":" + bucketKey(key);
		RedisLimitBackend backend = this.redis;
		if (backend == null) {
			return Mono.just(verdict(this.memory.decide(bucket, this.settings.cost(), this.clock::micros),
					this.settings.limit(), Source.MEMORY));
		}
		NegativeCache refusals = this.negativeCache;
		if (refusals != null) {
			long refusedFor = refusals.refusedFor(bucket, this.clock.micros());
			if (refusedFor > 0) {
				return Mono.just(cachedRefusal(refusedFor));
			}
		}
		return backend.decide(bucket, this.settings.limit(), this.settings.cost(), this.settings.ban())
			.map(decision -> {
				if (!decision.allowed() && refusals != null) {
					refusals.refuse(bucket, this.clock.micros(), decision.retryAfter());
				}
				return verdict(decision, this.settings.limit(), Source.REDIS);
			})
			.onErrorResume(error -> Mono.just(failed(bucket, backend)));
	}

	private Verdict failed(String bucket, RedisLimitBackend backend) {
		if (!this.settings.failOpen()) {
			return new Verdict(Outcome.UNAVAILABLE, 0, 0, 0, 0, Source.NONE);
		}
		Limit local = this.settings.fallbackLimit(backend.instances());
		MemoryGcraStore store = this.fallback;
		if (store == null || !store.limit().equals(local)) {
			store = memoryStore(local);
			this.fallback = store;
		}
		return verdict(store.decide(bucket, this.settings.cost(), this.clock::micros), local, Source.FALLBACK);
	}

	/**
	 * A refusal from the negative cache, with the remaining and reset that Redis's refusal had, counted down: as in
	 * {@link #verdict}, {@code tat − now = retry + τ − (c−1)·T}; with a ban every refusal is a ban, which ends all at
	 * once.
	 */
	private Verdict cachedRefusal(long refusedFor) {
		if (this.settings.ban() > 0) {
			return new Verdict(Outcome.REJECTED, 0, refusedFor, 0, refusedFor, Source.NEGATIVE_CACHE);
		}
		Limit limit = this.settings.limit();
		long extra = (this.settings.cost() - 1L) * limit.interval();
		long remaining = Math.max(0, Math.floorDiv(extra - refusedFor, limit.interval()) + 1);
		return new Verdict(Outcome.REJECTED, 0, refusedFor, remaining, refusedFor + limit.tolerance() - extra,
				Source.NEGATIVE_CACHE);
	}

	private MemoryGcraStore memoryStore(Limit limit) {
		return new MemoryGcraStore(limit, this.settings.ban(), this.maximumKeys);
	}

	private Verdict verdict(Decision decision, Limit limit, Source source) {
		if (!decision.allowed()) {
			// Until the bucket is empty again: tat − now = retry + τ − (c−1)·T; a ban ends all at once.
			long reset = Gcra.isBan(decision.tat()) ? decision.retryAfter()
					: decision.retryAfter() + limit.tolerance() - (this.settings.cost() - 1L) * limit.interval();
			return new Verdict(Outcome.REJECTED, 0, decision.retryAfter(), decision.remaining(), reset, source);
		}
		long delay = decision.delay(this.settings.delay(), limit);
		// The bucket is full again once the new TAT is reached: excess + cost·T from now.
		long reset = decision.excess() + this.settings.cost() * limit.interval();
		return new Verdict(delay > 0 ? Outcome.DELAYED : Outcome.ADMITTED, delay, 0, decision.remaining(), reset,
				source);
	}

	/**
	 * The client's key as it appears in a bucket's name: itself when it is short and printable (an address, an API
	 * key id), so that operators can find it in Redis; otherwise {@code sha256:} and its hash, so that a long or odd
	 * header cannot make long keys.
	 * @param key the request key's value
	 * @return the part of the bucket's name after the zone
	 */
	static String bucketKey(String key) {
		if (key.length() <= 128 && key.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
			return key;
		}
		try {
			byte[] digest = java.security.MessageDigest.getInstance("SHA-256")
				.digest(key.getBytes(java.nio.charset.StandardCharsets.UTF_8));
			return "sha256:" + java.util.HexFormat.of().formatHex(digest);
		}
		catch (java.security.NoSuchAlgorithmException ex) {
			throw new IllegalStateException("every Java has SHA-256", ex);
		}
	}

}
