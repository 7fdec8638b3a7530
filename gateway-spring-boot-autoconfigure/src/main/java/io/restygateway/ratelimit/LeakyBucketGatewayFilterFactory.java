package io.restygateway.ratelimit;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.factory.AbstractGatewayFilterFactory;

import io.restygateway.ratelimit.RateLimitRegistry.LimitedRoute;

/**
 * {@code LeakyBucket}: nginx's {@code limit_req} (lua-resty-redis-ratelimit), with its buckets in Redis shared by
 * every gateway instance, or in this instance's memory when there is no Redis.
 * <pre>
 * filters:
 *   - name: LeakyBucket
 *     args: {rate: 10r/s, burst: 5, delay: nodelay, key: ip, cost: 1, ban: 0s, on-redis-failure: allow}
 * </pre>
 * Shortcut: {@code LeakyBucket=10r/s,5,nodelay,ip}.
 */
public class LeakyBucketGatewayFilterFactory
		extends AbstractGatewayFilterFactory<LeakyBucketGatewayFilterFactory.Config> {

	/** The filter's name in route definitions. */
	public static final String NAME = "LeakyBucket";

	private final @Nullable RedisLimitBackend redis;

	private final RateLimitProperties properties;

	private final RateLimitRegistry registry;

	private final MicroClock clock;

	/**
	 * @param redis the shared store, or null to keep buckets in memory
	 * @param properties {@code resty.rate-limit.*}
	 * @param registry where limited routes are listed
	 * @param clock this instance's clock
	 */
	public LeakyBucketGatewayFilterFactory(@Nullable RedisLimitBackend redis, RateLimitProperties properties,
			RateLimitRegistry registry, MicroClock clock) {
		super(Config.class);
		this.redis = redis;
		this.properties = properties;
		this.registry = registry;
		this.clock = clock;
	}

	@Override
	public String name() {
		return NAME;
	}

	@Override
	public List<String> shortcutFieldOrder() {
		return List.of("rate", "burst", "delay", "key");
	}

	@Override
	public GatewayFilter apply(Config config) {
		String routeId = config.getRouteId();
		String zone = config.zoneOrRoute();
		LeakyBucketSettings settings;
		RateLimitKey key;
		try {
			if (zone == null) {
				throw new InvalidRateLimitException("zone", "is needed when the filter is not part of a route");
			}
			settings = LeakyBucketSettings.of(zone, config.getRate(), config.getBurst(), config.getDelay(),
					config.getCost(), config.getBan(), config.getOnRedisFailure());
			key = RateLimitKey.of(config.getKey());
			var emptyKeyStatus = RateLimitFilters.status(config.getEmptyKeyStatus());
			LeakyBucketLimiter limiter = new LeakyBucketLimiter(settings, this.redis, this.clock,
					this.properties.getMaxKeys(), this.properties.getNegativeCache().isEnabled());
			String route = routeId == null ? zone : routeId;
			RateLimitStats stats = this.registry.stats(route, NAME, zone);
			this.registry.register(new LimitedRoute(route, NAME, zone, describe(settings, key), store(), stats));
			RateLimitHeaders headers = new RateLimitHeaders(settings.limit().burst() + 1L,
					1_000_000.0 / settings.limit().interval(), settings.cost());
			GatewayFilter filter = RateLimitFilters.filter(key, config.isDenyEmptyKey(), emptyKeyStatus,
					limiter::decide, value -> {
					}, headers, this.properties.isIncludeHeaders(), stats);
			return new NamedFilter(filter, NAME + "[" + describe(settings, key) + "]");
		}
		catch (InvalidRateLimitException ex) {
			throw new IllegalArgumentException(NAME + " on route '" + routeId + "': " + ex.getMessage(), ex);
		}
	}

	private String store() {
		return this.redis != null ? "redis" : "memory";
	}

	private static Map<String, Object> describe(LeakyBucketSettings settings, RateLimitKey key) {
		Map<String, Object> described = new LinkedHashMap<>();
		described.put("rate", settings.rate().toString());
		described.put("burst", settings.limit().burst());
		described.put("delay", settings.delayText());
		described.put("key", key.toString());
		described.put("cost", settings.cost());
		described.put("ban", RateLimitFilters.duration(settings.ban()));
		described.put("on-redis-failure", settings.failOpen() ? "allow" : "deny");
		described.put("zone", settings.zone());
		return described;
	}

	/** The filter's arguments. */
	public static class Config extends RateLimitConfig<Config> {

		private @Nullable String rate;

		private int burst = 0;

		private String delay = "nodelay";

		private int cost = 1;

		private Duration ban = Duration.ZERO;

		private String onRedisFailure = "allow";

		public @Nullable String getRate() {
			return this.rate;
		}

		public Config setRate(String rate) {
			this.rate = rate;
			return this;
		}

		public int getBurst() {
			return this.burst;
		}

		public Config setBurst(int burst) {
			this.burst = burst;
			return this;
		}

		public String getDelay() {
			return this.delay;
		}

		public Config setDelay(String delay) {
			this.delay = delay;
			return this;
		}

		public int getCost() {
			return this.cost;
		}

		public Config setCost(int cost) {
			this.cost = cost;
			return this;
		}

		public Duration getBan() {
			return this.ban;
		}

		public Config setBan(Duration ban) {
			this.ban = ban;
			return this;
		}

		public String getOnRedisFailure() {
			return this.onRedisFailure;
		}

		public Config setOnRedisFailure(String onRedisFailure) {
			this.onRedisFailure = onRedisFailure;
			return this;
		}

	}

}
