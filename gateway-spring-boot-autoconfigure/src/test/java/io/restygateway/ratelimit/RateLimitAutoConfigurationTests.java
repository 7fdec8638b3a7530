package io.restygateway.ratelimit;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.data.redis.autoconfigure.DataRedisReactiveAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import io.restygateway.core.RestyFeatureReport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which store the leaky buckets get, the switches, and a user's own beans.
 */
class RateLimitAutoConfigurationTests {

	// No RouteLocator here, so the endpoint is left out: this is about the store and the filters.
	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withPropertyValues("management.endpoint.ratelimits.access=NONE")
		.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class,
				DataRedisReactiveAutoConfiguration.class, RateLimitAutoConfiguration.class));

	@Test
	void withoutRedisTheBucketsAreInMemory() {
		this.runner.run(context -> {
			assertThat(context).hasSingleBean(LeakyBucketGatewayFilterFactory.class)
				.hasSingleBean(TokenBucketGatewayFilterFactory.class)
				.doesNotHaveBean(RedisLimitBackend.class)
				.doesNotHaveBean(RedisInstanceHeartbeat.class);
			assertThat(context.getBean("rateLimitsReport", RestyFeatureReport.class).line())
				.startsWith("rate limits: LeakyBucket store memory");
		});
	}

	@Test
	void aConfiguredRedisHoldsTheBuckets() {
		// The heartbeat is not started by a context runner that is never refreshed as a web server; no Redis needed.
		this.runner.withPropertyValues("spring.data.redis.host=127.0.0.1", "resty.rate-limit.redis.timeout=80ms")
			.run(context -> {
				assertThat(context).hasSingleBean(RedisLimitBackend.class).hasSingleBean(RedisInstanceHeartbeat.class);
				assertThat(context.getBean(RedisLimitBackend.class).timeout().toMillis()).isEqualTo(80);
				assertThat(context.getBean("rateLimitsReport", RestyFeatureReport.class).line())
					.startsWith("rate limits: LeakyBucket store redis")
					.contains("at most 80 ms");
			});
	}

	@Test
	void theStoreCanBeForcedEitherWay() {
		this.runner.withPropertyValues("spring.data.redis.host=127.0.0.1", "resty.rate-limit.store=memory")
			.run(context -> assertThat(context).doesNotHaveBean(RedisLimitBackend.class));
		this.runner.withPropertyValues("resty.rate-limit.store=redis")
			.run(context -> assertThat(context).hasSingleBean(RedisLimitBackend.class));
	}

	@Test
	void redisForcedWithoutAConnectionStopsTheStartSayingWhatToDo() {
		new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(RateLimitAutoConfiguration.class))
			.withPropertyValues("resty.rate-limit.store=redis", "management.endpoint.ratelimits.access=NONE")
			.run(context -> assertThat(context.getStartupFailure())
				.hasStackTraceContaining("resty.rate-limit.store: the LeakyBucket store is Redis, but there is no "
						+ "reactive Redis connection"));
	}

	@Test
	void aTimeoutOfZeroIsRefusedNamingTheProperty() {
		this.runner.withPropertyValues("spring.data.redis.host=127.0.0.1", "resty.rate-limit.redis.timeout=0s")
			.run(context -> assertThat(context.getStartupFailure())
				.hasStackTraceContaining("resty.rate-limit.redis.timeout: must be more than 0"));
	}

	@Test
	void switchesTurnItOffAndTheUsersOwnBeansWin() {
		this.runner.withPropertyValues("resty.rate-limit.enabled=false")
			.run(context -> assertThat(context).doesNotHaveBean(LeakyBucketGatewayFilterFactory.class));
		this.runner.withPropertyValues("spring.cloud.gateway.server.webflux.filter.leaky-bucket.enabled=false")
			.run(context -> assertThat(context).doesNotHaveBean(LeakyBucketGatewayFilterFactory.class)
				.hasSingleBean(TokenBucketGatewayFilterFactory.class));
		RateLimitRegistry mine = new RateLimitRegistry();
		this.runner.withBean(RateLimitRegistry.class, () -> mine)
			.run(context -> assertThat(context.getBean(RateLimitRegistry.class)).isSameAs(mine));
	}

}
