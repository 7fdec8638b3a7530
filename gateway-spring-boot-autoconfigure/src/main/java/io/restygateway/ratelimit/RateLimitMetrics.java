package io.restygateway.ratelimit;

import org.jspecify.annotations.Nullable;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * Micrometer meters of the rate limits: {@code resty.ratelimit.requests} (a counter per route, filter, zone and
 * outcome: admitted, delayed, rejected, unavailable, empty-key, cancelled, by-fallback, by-negative-cache) and, with
 * Redis, {@code resty.ratelimit.redis.failures}, {@code resty.ratelimit.redis.timeouts},
 * {@code resty.ratelimit.redis.skipped} (counters), {@code resty.ratelimit.redis.breaker.open} (1 while the circuit
 * breaker keeps decisions off Redis) and {@code resty.ratelimit.redis.instances} (gauges).
 */
public class RateLimitMetrics implements MeterBinder {

	private final RateLimitRegistry registry;

	private final @Nullable RedisLimitBackend backend;

	public RateLimitMetrics(RateLimitRegistry registry, @Nullable RedisLimitBackend backend) {
		this.registry = registry;
		this.backend = backend;
	}

	@Override
	public void bindTo(MeterRegistry meters) {
		this.registry.addListener(limited -> {
			Tags tags = Tags.of("route", limited.routeId(), "filter", limited.filter(), "zone", limited.zone());
			for (String outcome : limited.stats().counters().keySet()) {
				FunctionCounter.builder("resty.ratelimit.requests", limited.stats(), stats -> stats.count(outcome))
					.description("Requests decided by a rate limit, by outcome")
					.tags(tags.and("outcome", outcome))
					.register(meters);
			}
		});
		RedisLimitBackend redis = this.backend;
		if (redis != null) {
			FunctionCounter.builder("resty.ratelimit.redis.failures", redis, RedisLimitBackend::failures)
				.description("Rate-limit decisions that Redis failed or did not answer in time")
				.register(meters);
			FunctionCounter.builder("resty.ratelimit.redis.timeouts", redis, RedisLimitBackend::timeouts)
				.description("Rate-limit decisions that Redis did not answer in time")
				.register(meters);
			FunctionCounter.builder("resty.ratelimit.redis.skipped", redis, RedisLimitBackend::skipped)
				.description("Rate-limit decisions not sent to Redis because the circuit breaker was open")
				.register(meters);
			Gauge.builder("resty.ratelimit.redis.breaker.open", redis,
					r -> r.breaker().state() == CircuitBreaker.State.CLOSED ? 0 : 1)
				.description("1 while the circuit breaker keeps rate-limit decisions off Redis")
				.register(meters);
			Gauge.builder("resty.ratelimit.redis.instances", redis, RedisLimitBackend::instances)
				.description("Gateway instances sharing the limits, for the fallback at rate/instances")
				.register(meters);
		}
	}

}
