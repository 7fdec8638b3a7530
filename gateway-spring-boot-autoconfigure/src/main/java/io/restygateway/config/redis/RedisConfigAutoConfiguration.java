package io.restygateway.config.redis;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.cloud.gateway.config.GatewayAutoConfiguration;
import org.springframework.cloud.gateway.config.GatewayProperties;
import org.springframework.cloud.gateway.event.RefreshRoutesEvent;
import org.springframework.cloud.gateway.filter.factory.GatewayFilterFactory;
import org.springframework.cloud.gateway.handler.predicate.RoutePredicateFactory;
import org.springframework.cloud.gateway.route.RouteDefinition;
import org.springframework.cloud.gateway.support.ConfigurationService;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.convert.ConversionService;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.util.StringUtils;
import org.springframework.validation.Validator;

import io.restygateway.config.LayoutApplier;
import io.restygateway.config.LiveRoutes;
import io.restygateway.config.RejectionMetrics;
import io.restygateway.config.RouteDocuments;
import io.restygateway.core.RestyFeatureReport;
import io.restygateway.upstream.UpstreamAutoConfiguration;
import io.restygateway.upstream.UpstreamProperties;
import io.restygateway.upstream.UpstreamRegistry;

/**
 * Routes and upstreams from Redis, versioned ({@code resty.redis-config.enabled=true}): the version key
 * {@code <prefix>version} is polled, the hash {@code <prefix>documents} (fields {@code routes/<id>},
 * {@code upstreams/<name>}) read when it changes, on the application's Spring Data Redis connection. Off unless
 * enabled.
 */
@AutoConfiguration(after = { GatewayAutoConfiguration.class, UpstreamAutoConfiguration.class },
		afterName = "org.springframework.boot.data.redis.autoconfigure.DataRedisReactiveAutoConfiguration")
@ConditionalOnClass({ RefreshRoutesEvent.class, RouteDefinition.class, ReactiveStringRedisTemplate.class })
@ConditionalOnBooleanProperty(name = "resty.enabled", matchIfMissing = true)
@ConditionalOnBooleanProperty(name = "resty.redis-config.enabled")
@EnableConfigurationProperties(RedisConfigProperties.class)
public class RedisConfigAutoConfiguration {

	/** The source's name in metadata, metrics and logs. */
	static final String SOURCE = "redis";

	/** The routes read from Redis, served beside the gateway's other route definition locators. */
	@Bean
	@ConditionalOnMissingBean(name = "restyRedisRoutes")
	public LiveRoutes restyRedisRoutes() {
		return new LiveRoutes(SOURCE);
	}

	@Bean
	@ConditionalOnMissingBean
	public RedisConfigSource restyRedisConfigSource(RedisConfigProperties properties,
			ObjectProvider<ReactiveRedisConnectionFactory> connections, LiveRoutes restyRedisRoutes,
			ObjectProvider<UpstreamRegistry> upstreams, ObjectProvider<UpstreamProperties> upstreamProperties,
			ObjectProvider<GatewayProperties> gatewayProperties, List<RoutePredicateFactory<?>> predicates,
			List<GatewayFilterFactory<?>> filters, BeanFactory beanFactory,
			@Qualifier("webFluxConversionService") ObjectProvider<ConversionService> conversionService,
			ObjectProvider<Validator> validator, ObjectProvider<RejectionMetrics> metrics,
			ApplicationEventPublisher publisher) {
		ReactiveRedisConnectionFactory factory = connections.getIfAvailable();
		if (factory == null) {
			throw new IllegalStateException("resty.redis-config.enabled=true needs a reactive Redis connection: add "
					+ "spring-boot-starter-data-redis-reactive and set spring.data.redis.host");
		}
		String prefix = prefix(properties.getPrefix());
		positive("interval", properties.getInterval());
		positive("timeout", properties.getTimeout());
		// As for Consul: a ConfigurationService without an event publisher, so that checking a route that may be
		// refused announces nothing.
		RouteDocuments documents = new RouteDocuments(predicates, filters,
				new ConfigurationService(beanFactory, conversionService, validator));
		Set<String> localRoutes = gatewayProperties.stream()
			.flatMap(gateway -> gateway.getRoutes().stream())
			.map(RouteDefinition::getId)
			.filter(Objects::nonNull)
			.collect(Collectors.toSet());
		Set<String> localUpstreams = upstreamProperties.stream()
			.flatMap(upstream -> upstream.getUpstreams().keySet().stream())
			.collect(Collectors.toSet());
		UpstreamRegistry registry = upstreams.getIfAvailable(UpstreamRegistry::new);
		LayoutApplier applier = new LayoutApplier(SOURCE, RedisConfigSource.documentsPrefix(prefix), documents,
				restyRedisRoutes, registry, localRoutes, localUpstreams,
				rejection -> metrics.ifAvailable(counter -> counter.accept(rejection)), Clock.systemUTC());
		return new RedisConfigSource(new ReactiveStringRedisTemplate(factory), prefix, applier, publisher,
				properties.getInterval(), properties.getTimeout(), properties.getStartupWait(), Clock.systemUTC());
	}

	@Bean
	@ConditionalOnMissingBean(name = "restyRedisConfigReport")
	public RestyFeatureReport restyRedisConfigReport(RedisConfigSource source, LiveRoutes restyRedisRoutes) {
		return () -> "redis source: routes and upstreams from " + source.documentsKey() + ", version "
				+ source.versionKey() + " (" + restyRedisRoutes.all().size() + " route(s), "
				+ source.applier().upstreamCount() + " upstream(s), " + source.applier().rejections().size()
				+ " refused)";
	}

	static String prefix(String prefix) {
		String trimmed = prefix.trim();
		if (!StringUtils.hasLength(trimmed)) {
			throw new IllegalStateException("resty.redis-config.prefix must not be empty");
		}
		return trimmed;
	}

	private static void positive(String name, Duration value) {
		if (value == null || value.isNegative() || value.isZero()) {
			throw new IllegalStateException("resty.redis-config." + name + ": must be more than 0, was " + value);
		}
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = "io.micrometer.core.instrument.MeterRegistry")
	static class MetricsConfiguration {

		@Bean
		@ConditionalOnMissingBean
		RejectionMetrics restyRedisConfigRejectionMetrics(
				ObjectProvider<io.micrometer.core.instrument.MeterRegistry> registry) {
			return new RejectionMetrics(registry::getIfAvailable);
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = "org.springframework.boot.health.contributor.HealthIndicator")
	static class HealthConfiguration {

		/** Contributed as {@code restyRedisConfig}. */
		@Bean
		@ConditionalOnMissingBean(name = "restyRedisConfigHealthIndicator")
		RedisConfigHealthIndicator restyRedisConfigHealthIndicator(RedisConfigSource source,
				LiveRoutes restyRedisRoutes) {
			return new RedisConfigHealthIndicator(source, () -> restyRedisRoutes.all().size(),
					() -> source.applier().upstreamCount());
		}

	}

}
