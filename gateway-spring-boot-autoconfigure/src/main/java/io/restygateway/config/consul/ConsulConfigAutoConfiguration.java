package io.restygateway.config.consul;

import java.net.URI;
import java.time.Clock;
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
import org.springframework.core.env.Environment;
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
 * Routes and upstreams from Consul KV, followed live ({@code resty.consul.enabled=true}): {@code <prefix>routes/<id>}
 * and {@code <prefix>upstreams/<name>}, on Spring Cloud Consul's agent ({@code spring.cloud.consul.*}). Off unless
 * enabled. Independent of Spring Cloud Consul Config ({@code spring.config.import=consul:}), which reads ordinary
 * properties and refreshes the whole context on a change.
 */
@AutoConfiguration(after = { GatewayAutoConfiguration.class, UpstreamAutoConfiguration.class })
@ConditionalOnClass({ RefreshRoutesEvent.class, RouteDefinition.class })
@ConditionalOnBooleanProperty(name = "resty.enabled", matchIfMissing = true)
@ConditionalOnBooleanProperty(name = "resty.consul.enabled")
@EnableConfigurationProperties(ConsulConfigProperties.class)
public class ConsulConfigAutoConfiguration {

	/** The source's name in metadata, metrics and logs. */
	static final String SOURCE = "consul";

	/**
	 * Spring Cloud Consul's own token lookup ({@code ConsulConfigProperties}, {@code ConsulDiscoveryProperties}), so
	 * that one token serves both.
	 */
	static final String TOKEN = "${consul.token:${CONSUL_TOKEN:${spring.cloud.consul.token:${SPRING_CLOUD_CONSUL_TOKEN:}}}}";

	/** The routes read from Consul, served beside the gateway's other route definition locators. */
	@Bean
	@ConditionalOnMissingBean(name = "restyConsulRoutes")
	public LiveRoutes restyConsulRoutes() {
		return new LiveRoutes(SOURCE);
	}

	@Bean
	@ConditionalOnMissingBean
	public ConsulConfigSource restyConsulSource(ConsulConfigProperties properties, Environment environment,
			LiveRoutes restyConsulRoutes, ObjectProvider<UpstreamRegistry> upstreams,
			ObjectProvider<UpstreamProperties> upstreamProperties, ObjectProvider<GatewayProperties> gatewayProperties,
			List<RoutePredicateFactory<?>> predicates, List<GatewayFilterFactory<?>> filters, BeanFactory beanFactory,
			@Qualifier("webFluxConversionService") ObjectProvider<ConversionService> conversionService,
			ObjectProvider<Validator> validator, ObjectProvider<RejectionMetrics> metrics,
			ApplicationEventPublisher publisher) {
		String prefix = prefix(properties.getPrefix());
		ConsulKvClient client = new ConsulKvClient(agent(environment), environment.resolvePlaceholders(TOKEN),
				properties.getTimeout());
		// A ConfigurationService of our own, without an event publisher: checking a route must not announce the
		// arguments of a route that may be refused (the Weight predicate's groups listen to those events).
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
		// Without the upstream feature (resty.upstream.enabled=false) upstream keys still validate, into a registry
		// that nothing reads.
		UpstreamRegistry registry = upstreams.getIfAvailable(UpstreamRegistry::new);
		LayoutApplier applier = new LayoutApplier(SOURCE, prefix, documents, restyConsulRoutes, registry,
				localRoutes, localUpstreams, rejection -> metrics.ifAvailable(counter -> counter.accept(rejection)),
				Clock.systemUTC());
		ConsulConfigProperties.RateLimit rateLimit = properties.getRateLimit();
		ConsulConfigProperties.Backoff backoff = properties.getBackoff();
		Backoff waits = new Backoff(backoff.getInitial(), backoff.getMax(), backoff.getMultiplier(),
				backoff.getJitter());
		return new ConsulConfigSource(client, prefix, applier, publisher,
				builder -> builder.wait(properties.getWait())
					.rateLimit(rateLimit.getBurst(), rateLimit.getRefill())
					.backoff(waits),
				properties.getStartupWait(), Clock.systemUTC());
	}

	@Bean
	@ConditionalOnMissingBean(name = "restyConsulReport")
	public RestyFeatureReport restyConsulReport(ConsulConfigSource source, LiveRoutes restyConsulRoutes) {
		return () -> "consul source: routes and upstreams from " + source.agent() + " under " + source.prefix()
				+ " (" + restyConsulRoutes.all().size() + " route(s), " + source.applier().upstreamCount()
				+ " upstream(s), " + source.applier().rejections().size() + " refused)";
	}

	/**
	 * The agent's address as Spring Cloud Consul builds it: {@code spring.cloud.consul.scheme} (http),
	 * {@code host} (localhost), {@code port} (8500) and {@code path}.
	 */
	static URI agent(Environment environment) {
		String scheme = environment.getProperty("spring.cloud.consul.scheme", "http");
		String host = environment.getProperty("spring.cloud.consul.host", "localhost");
		int port = environment.getProperty("spring.cloud.consul.port", Integer.class, 8500);
		String path = StringUtils.trimTrailingCharacter(
				StringUtils.trimLeadingCharacter(environment.getProperty("spring.cloud.consul.path", ""), '/'), '/');
		return URI.create((StringUtils.hasLength(scheme) ? scheme : "http") + "://" + host + ":" + port
				+ (path.isEmpty() ? "" : "/" + path));
	}

	static String prefix(String prefix) {
		String trimmed = StringUtils.trimLeadingCharacter(prefix.trim(), '/');
		if (trimmed.isEmpty()) {
			throw new IllegalStateException("resty.consul.prefix must not be empty: the source would read every key");
		}
		return trimmed.endsWith("/") ? trimmed : trimmed + "/";
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = "io.micrometer.core.instrument.MeterRegistry")
	static class MetricsConfiguration {

		@Bean
		@ConditionalOnMissingBean
		RejectionMetrics restyConfigRejectionMetrics(ObjectProvider<io.micrometer.core.instrument.MeterRegistry> registry) {
			return new RejectionMetrics(registry::getIfAvailable);
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = "org.springframework.boot.health.contributor.HealthIndicator")
	static class HealthConfiguration {

		/** Contributed as {@code restyConsul}. */
		@Bean
		@ConditionalOnMissingBean(name = "restyConsulHealthIndicator")
		ConsulConfigHealthIndicator restyConsulHealthIndicator(ConsulConfigSource source,
				LiveRoutes restyConsulRoutes) {
			return new ConsulConfigHealthIndicator(source, () -> restyConsulRoutes.all().size(),
					() -> source.applier().upstreamCount());
		}

	}

}
