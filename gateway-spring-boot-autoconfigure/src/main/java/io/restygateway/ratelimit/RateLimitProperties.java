package io.restygateway.ratelimit;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code resty.rate-limit.*}: where the {@code LeakyBucket} filters keep their buckets and how they live with a
 * Redis that is slow or away.
 */
@ConfigurationProperties("resty.rate-limit")
public class RateLimitProperties {

	/** Where LeakyBucket filters are decided. */
	public enum Store {

		/** Redis when spring.data.redis.host or spring.data.redis.url is set, else memory. */
		AUTO,
		/** Redis, shared by every gateway instance: one global limit. */
		REDIS,
		/** This instance's memory: a limit per instance. */
		MEMORY

	}

	/** Whether the LeakyBucket and TokenBucket filters are offered. */
	private boolean enabled = true;

	/**
	 * Where LeakyBucket filters keep their buckets: auto (Redis when spring.data.redis.host or
	 * spring.data.redis.url is set, else memory), redis or memory. TokenBucket filters are always per instance.
	 */
	private Store store = Store.AUTO;

	/** Whether 429s and admitted answers carry RateLimit-* and X-RateLimit-* headers. */
	private boolean includeHeaders = true;

	/** The most keys an in-memory limiter holds per filter (least recently used keys are dropped beyond). */
	private long maxKeys = 100_000;

	private final Redis redis = new Redis();

	private final Fallback fallback = new Fallback();

	private final NegativeCache negativeCache = new NegativeCache();

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public Store getStore() {
		return this.store;
	}

	public void setStore(Store store) {
		this.store = store;
	}

	public boolean isIncludeHeaders() {
		return this.includeHeaders;
	}

	public void setIncludeHeaders(boolean includeHeaders) {
		this.includeHeaders = includeHeaders;
	}

	public long getMaxKeys() {
		return this.maxKeys;
	}

	public void setMaxKeys(long maxKeys) {
		this.maxKeys = maxKeys;
	}

	public Redis getRedis() {
		return this.redis;
	}

	public Fallback getFallback() {
		return this.fallback;
	}

	public NegativeCache getNegativeCache() {
		return this.negativeCache;
	}

	/** {@code resty.rate-limit.redis.*} */
	public static class Redis {

		/** Put before every bucket's key: a bucket is PREFIX + zone + ":" + the request key's value. */
		private String keyPrefix = "resty:rl:";

		/** The longest a decision may wait for Redis; then the route follows on-redis-failure. */
		private Duration timeout = Duration.ofMillis(50);

		private final Breaker circuitBreaker = new Breaker();

		/** How often each instance tells Redis it is alive, so that instances can count each other. */
		private Duration heartbeat = Duration.ofSeconds(5);

		/**
		 * Whether decisions use one Redis connection per HTTP event loop, made on that loop, so that a decision never
		 * leaves the request's thread. Standalone Redis only; Sentinel, Cluster and socket setups use Spring Data
		 * Redis's shared connection.
		 */
		private boolean connectionPerEventLoop = true;

		public String getKeyPrefix() {
			return this.keyPrefix;
		}

		public void setKeyPrefix(String keyPrefix) {
			this.keyPrefix = keyPrefix;
		}

		public Duration getTimeout() {
			return this.timeout;
		}

		public void setTimeout(Duration timeout) {
			this.timeout = timeout;
		}

		public Breaker getCircuitBreaker() {
			return this.circuitBreaker;
		}

		public Duration getHeartbeat() {
			return this.heartbeat;
		}

		public void setHeartbeat(Duration heartbeat) {
			this.heartbeat = heartbeat;
		}

		public boolean isConnectionPerEventLoop() {
			return this.connectionPerEventLoop;
		}

		public void setConnectionPerEventLoop(boolean connectionPerEventLoop) {
			this.connectionPerEventLoop = connectionPerEventLoop;
		}

	}

	/** {@code resty.rate-limit.redis.circuit-breaker.*} */
	public static class Breaker {

		/** Redis failures in a row that open the breaker: decisions then skip Redis at once. */
		private int failureThreshold = 3;

		/** How long the breaker stays open before one decision probes Redis again. */
		private Duration openFor = Duration.ofSeconds(1);

		public int getFailureThreshold() {
			return this.failureThreshold;
		}

		public void setFailureThreshold(int failureThreshold) {
			this.failureThreshold = failureThreshold;
		}

		public Duration getOpenFor() {
			return this.openFor;
		}

		public void setOpenFor(Duration openFor) {
			this.openFor = openFor;
		}

	}

	/** {@code resty.rate-limit.fallback.*} */
	public static class Fallback {

		/**
		 * How many gateway instances share the limits, for the fallback at rate/instances while Redis is away. 0
		 * (the default) counts the instances from their heartbeats in Redis.
		 */
		private int instances = 0;

		public int getInstances() {
			return this.instances;
		}

		public void setInstances(int instances) {
			this.instances = instances;
		}

	}

	/** {@code resty.rate-limit.negative-cache.*} */
	public static class NegativeCache {

		/** Whether a refusal from Redis is remembered and repeated locally until its retry time. */
		private boolean enabled = true;

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

	}

}
