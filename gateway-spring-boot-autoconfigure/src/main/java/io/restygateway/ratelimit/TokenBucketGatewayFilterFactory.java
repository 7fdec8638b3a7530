package io.restygateway.ratelimit;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.factory.AbstractGatewayFilterFactory;

import io.restygateway.ratelimit.RateLimitRegistry.LimitedRoute;

/**
 * {@code TokenBucket}: lua-resty-limit-rate in this instance's memory, one bucket per key. It starts full; every
 * {@code interval} adds {@code quantum} tokens up to {@code capacity}; a request that finds no token waits for one
 * when the wait is at most {@code max-wait}, and is refused with 429 otherwise.
 * <pre>
 * filters:
 *   - name: TokenBucket
 *     args: {interval: 100ms, capacity: 10, quantum: 1, max-wait: 0s, key: ip}
 * </pre>
 * Shortcut: {@code TokenBucket=100ms,10,1,0s,ip}.
 */
public class TokenBucketGatewayFilterFactory
		extends AbstractGatewayFilterFactory<TokenBucketGatewayFilterFactory.Config> {

	/** The filter's name in route definitions. */
	public static final String NAME = "TokenBucket";

	private final RateLimitProperties properties;

	private final RateLimitRegistry registry;

	private final MicroClock clock;

	/**
	 * @param properties {@code resty.rate-limit.*}
	 * @param registry where limited routes are listed
	 * @param clock this instance's clock
	 */
	public TokenBucketGatewayFilterFactory(RateLimitProperties properties, RateLimitRegistry registry,
			MicroClock clock) {
		super(Config.class);
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
		return List.of("interval", "capacity", "quantum", "max-wait", "key");
	}

	@Override
	public GatewayFilter apply(Config config) {
		String routeId = config.getRouteId();
		String zone = config.zoneOrRoute();
		try {
			if (zone == null) {
				throw new InvalidRateLimitException("zone", "is needed when the filter is not part of a route");
			}
			TokenBucketSettings settings = TokenBucketSettings.of(config.getInterval(), config.getCapacity(),
					config.getQuantum(), config.getMaxWait());
			RateLimitKey key = RateLimitKey.of(config.getKey());
			var emptyKeyStatus = RateLimitFilters.status(config.getEmptyKeyStatus());
			TokenBucketLimiter limiter = new TokenBucketLimiter(settings, this.clock, this.properties.getMaxKeys());
			String route = routeId == null ? zone : routeId;
			RateLimitStats stats = this.registry.stats(route, NAME, zone);
			this.registry.register(new LimitedRoute(route, NAME, zone, describe(settings, key), "memory", stats));
			RateLimitHeaders headers = new RateLimitHeaders(settings.capacity(), settings.ratePerSecond(), 1);
			GatewayFilter filter = RateLimitFilters.filter(key, config.isDenyEmptyKey(), emptyKeyStatus,
					value -> Mono.fromSupplier(() -> limiter.take(zone + ":" + value)),
					value -> limiter.giveBack(zone + ":" + value), headers, this.properties.isIncludeHeaders(), stats);
			return new NamedFilter(filter, NAME + "[" + describe(settings, key) + "]");
		}
		catch (InvalidRateLimitException ex) {
			throw new IllegalArgumentException(NAME + " on route '" + routeId + "': " + ex.getMessage(), ex);
		}
	}

	private static Map<String, Object> describe(TokenBucketSettings settings, RateLimitKey key) {
		Map<String, Object> described = new LinkedHashMap<>();
		described.put("interval", RateLimitFilters.duration(settings.interval()));
		described.put("capacity", settings.capacity());
		described.put("quantum", settings.quantum());
		described.put("max-wait", RateLimitFilters.duration(settings.maxWait()));
		described.put("key", key.toString());
		return described;
	}

	/** The filter's arguments. */
	public static class Config extends RateLimitConfig<Config> {

		private @Nullable Duration interval;

		private long capacity = 0;

		private long quantum = 1;

		private Duration maxWait = Duration.ZERO;

		public @Nullable Duration getInterval() {
			return this.interval;
		}

		public Config setInterval(Duration interval) {
			this.interval = interval;
			return this;
		}

		public long getCapacity() {
			return this.capacity;
		}

		public Config setCapacity(long capacity) {
			this.capacity = capacity;
			return this;
		}

		public long getQuantum() {
			return this.quantum;
		}

		public Config setQuantum(long quantum) {
			this.quantum = quantum;
			return this;
		}

		public Duration getMaxWait() {
			return this.maxWait;
		}

		public Config setMaxWait(Duration maxWait) {
			this.maxWait = maxWait;
			return this;
		}

	}

}
