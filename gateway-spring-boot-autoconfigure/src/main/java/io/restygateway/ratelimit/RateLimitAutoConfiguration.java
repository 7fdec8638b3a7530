package io.restygateway.ratelimit;

import java.time.Duration;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.cloud.gateway.config.conditional.ConditionalOnEnabledFilter;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.http.client.ReactorResourceFactory;
import org.springframework.util.ClassUtils;

import io.restygateway.core.RestyEnvironmentPostProcessor;
import io.restygateway.core.RestyFeatureReport;

/**
 * The {@code LeakyBucket} and {@code TokenBucket} filters, the store of the leaky buckets ({@code
 * resty.rate-limit.store}: Redis when one is configured, else memory), the {@code ratelimits} endpoint and the
 * meters.
 */
@AutoConfiguration(afterName = "org.springframework.boot.data.redis.autoconfigure.DataRedisReactiveAutoConfiguration")
@ConditionalOnClass(GlobalFilter.class)
@ConditionalOnBooleanProperty(name = "resty.enabled", matchIfMissing = true)
@ConditionalOnBooleanProperty(name = "resty.rate-limit.enabled", matchIfMissing = true)
@EnableConfigurationProperties(RateLimitProperties.class)
public class RateLimitAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	public RateLimitRegistry rateLimitRegistry() {
		return new RateLimitRegistry();
	}

	@Bean
	@ConditionalOnMissingBean
	public MicroClock rateLimitClock() {
		return MicroClock.system();
	}

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnEnabledFilter
	public LeakyBucketGatewayFilterFactory leakyBucketGatewayFilterFactory(ObjectProvider<RedisLimitBackend> redis,
			RateLimitProperties properties, RateLimitRegistry registry, MicroClock clock) {
		return new LeakyBucketGatewayFilterFactory(redis.getIfAvailable(), properties, registry, clock);
	}

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnEnabledFilter
	public TokenBucketGatewayFilterFactory tokenBucketGatewayFilterFactory(RateLimitProperties properties,
			RateLimitRegistry registry, MicroClock clock) {
		return new TokenBucketGatewayFilterFactory(properties, registry, clock);
	}

	@Bean
	@ConditionalOnMissingBean(name = "rateLimitsReport")
	public RestyFeatureReport rateLimitsReport(ObjectProvider<RedisLimitBackend> redis) {
		return () -> {
			RedisLimitBackend backend = redis.getIfAvailable();
			if (backend == null) {
				return "rate limits: LeakyBucket store memory (a limit per instance; set spring.data.redis.host to "
						+ "share one limit between instances), TokenBucket in memory";
			}
			return "rate limits: LeakyBucket store redis (shared by every instance; decisions wait at most "
					+ backend.timeout().toMillis() + " ms, then follow on-redis-failure), TokenBucket in memory";
		};
	}

	/**
	 * Whether the leaky buckets live in Redis: {@code resty.rate-limit.store=redis}, or {@code auto} with
	 * {@code spring.data.redis.host} or {@code spring.data.redis.url} set.
	 */
	static class RedisStoreCondition extends SpringBootCondition {

		@Override
		public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
			RateLimitProperties.Store store = Binder.get(context.getEnvironment())
				.bind("resty.rate-limit.store", RateLimitProperties.Store.class)
				.orElse(RateLimitProperties.Store.AUTO);
			return switch (store) {
				case REDIS -> ConditionOutcome.match("resty.rate-limit.store is redis");
				case MEMORY -> ConditionOutcome.noMatch("resty.rate-limit.store is memory");
				case AUTO -> RestyEnvironmentPostProcessor.dependencyUse(context.getEnvironment()).redis()
						? ConditionOutcome.match("resty.rate-limit.store is auto and Redis is configured")
						: ConditionOutcome.noMatch("resty.rate-limit.store is auto and no Redis is configured");
			};
		}

	}

	@Configuration(proxyBeanMethods = false)
	@Conditional(RedisStoreCondition.class)
	@ConditionalOnClass(name = "org.springframework.data.redis.connection.ReactiveRedisConnectionFactory")
	static class RedisStoreConfiguration {

		@Bean
		@ConditionalOnMissingBean
		RedisLimitBackend redisLimitBackend(ObjectProvider<ReactiveRedisConnectionFactory> connections,
				RateLimitProperties properties, ObjectProvider<ReactorResourceFactory> loops) {
			ReactiveRedisConnectionFactory factory = connections.getIfAvailable();
			if (factory == null) {
				throw new IllegalStateException("resty.rate-limit.store: the LeakyBucket store is Redis, but there is "
						+ "no reactive Redis connection: add spring-boot-starter-data-redis-reactive and set "
						+ "spring.data.redis.host, or set resty.rate-limit.store=memory");
			}
			RateLimitProperties.Redis redis = properties.getRedis();
			if (redis.getTimeout() == null || redis.getTimeout().isNegative() || redis.getTimeout().isZero()) {
				throw new IllegalStateException("resty.rate-limit.redis.timeout: must be more than 0, was "
						+ redis.getTimeout());
			}
			CircuitBreaker breaker = new CircuitBreaker(redis.getCircuitBreaker().getFailureThreshold(),
					redis.getCircuitBreaker().getOpenFor().toNanos(), System::nanoTime);
			EventLoopRedis perLoop = redis.isConnectionPerEventLoop()
					&& ClassUtils.isPresent("io.lettuce.core.RedisClient", getClass().getClassLoader())
							? EventLoopRedisFactory.create(factory, loops.getIfAvailable()) : null;
			return new RedisLimitBackend(new RedisGcraStore(new ReactiveStringRedisTemplate(factory), perLoop),
					redis.getKeyPrefix(), redis.getTimeout(), breaker, properties.getFallback().getInstances());
		}

		@Bean
		@ConditionalOnMissingBean
		RedisInstanceHeartbeat redisInstanceHeartbeat(ReactiveRedisConnectionFactory connections,
				RedisLimitBackend backend, RateLimitProperties properties) {
			Duration every = properties.getRedis().getHeartbeat();
			return new RedisInstanceHeartbeat(new ReactiveStringRedisTemplate(connections), backend,
					every == null || every.isZero() || every.isNegative() ? Duration.ofSeconds(5) : every);
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = "io.micrometer.core.instrument.binder.MeterBinder")
	static class MetricsConfiguration {

		@Bean
		@ConditionalOnMissingBean
		RateLimitMetrics rateLimitMetrics(RateLimitRegistry registry, ObjectProvider<RedisLimitBackend> redis) {
			return new RateLimitMetrics(registry, redis.getIfAvailable());
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = "org.springframework.boot.actuate.endpoint.annotation.Endpoint")
	static class EndpointConfiguration {

		@Bean
		@ConditionalOnMissingBean
		@ConditionalOnAvailableEndpoint(RateLimitsEndpoint.class)
		RateLimitsEndpoint rateLimitsEndpoint(RateLimitRegistry registry, RouteLocator routes,
				ObjectProvider<RedisLimitBackend> redis) {
			return new RateLimitsEndpoint(registry, routes, redis.getIfAvailable());
		}

	}

}
