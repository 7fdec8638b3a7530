package io.restygateway.core;

import java.util.List;
import java.util.Locale;

import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.ReactiveHealthIndicator;
import org.springframework.boot.health.contributor.Status;

import reactor.core.publisher.Mono;

/**
 * Turns DOWN into {@link #DEGRADED} for the health indicators of dependencies that the gateway keeps serving
 * without: Redis (rate limits follow their {@code on-redis-failure} policy) and Consul (the last good routes and
 * upstreams keep serving). A dependency that is configured and down shows, with its details, but does not take the
 * gateway out of a load balancer's rotation: DEGRADED answers HTTP 200.
 *
 * <p>Indicators are matched by bean name prefix ({@code redisHealthContributor}, {@code consulHealthIndicator}).
 * A composite contributor (several Redis connection factories) is left as it is.
 */
public class DegradedHealth implements BeanPostProcessor {

	/** A dependency is down but the gateway still serves. */
	public static final Status DEGRADED = new Status("DEGRADED",
			"A dependency is down; the gateway still serves without it");

	private final List<String> dependencies;

	/**
	 * @param dependencies the bean name prefixes of the indicators to map, e.g. {@code redis}, {@code consul}
	 */
	public DegradedHealth(List<String> dependencies) {
		this.dependencies = dependencies.stream().map(name -> name.trim().toLowerCase(Locale.ROOT)).toList();
	}

	@Override
	public Object postProcessAfterInitialization(Object bean, String beanName) {
		if (!matches(beanName)) {
			return bean;
		}
		if (bean instanceof ReactiveHealthIndicator reactive) {
			return new ReactiveDegraded(reactive);
		}
		if (bean instanceof HealthIndicator blocking) {
			return new BlockingDegraded(blocking);
		}
		return bean;
	}

	boolean matches(String beanName) {
		String name = beanName.toLowerCase(Locale.ROOT);
		return (name.endsWith("healthindicator") || name.endsWith("healthcontributor"))
				&& this.dependencies.stream().anyMatch(name::startsWith);
	}

	/**
	 * The same health with DOWN replaced by DEGRADED, details kept.
	 * @param health what the dependency's own indicator said
	 * @return the health the gateway reports for it
	 */
	public static Health degrade(Health health) {
		if (!Status.DOWN.equals(health.getStatus())) {
			return health;
		}
		return Health.status(DEGRADED).withDetails(health.getDetails()).build();
	}

	private record ReactiveDegraded(ReactiveHealthIndicator delegate) implements ReactiveHealthIndicator {

		@Override
		public Mono<Health> health() {
			return this.delegate.health().map(DegradedHealth::degrade);
		}

	}

	private record BlockingDegraded(HealthIndicator delegate) implements HealthIndicator {

		@Override
		public Health health() {
			return degrade(this.delegate.health());
		}

	}

}
