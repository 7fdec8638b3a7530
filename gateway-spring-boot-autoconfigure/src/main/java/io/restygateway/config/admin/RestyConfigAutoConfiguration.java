package io.restygateway.config.admin;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
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
import org.springframework.validation.Validator;

import io.restygateway.config.ConfigSourceView;
import io.restygateway.config.LayoutApplier;
import io.restygateway.config.LiveRoutes;
import io.restygateway.config.RejectionMetrics;
import io.restygateway.config.RouteDocuments;
import io.restygateway.config.consul.ConsulConfigAutoConfiguration;
import io.restygateway.config.consul.ConsulConfigSource;
import io.restygateway.config.consul.KvWatch;
import io.restygateway.config.redis.RedisConfigAutoConfiguration;
import io.restygateway.config.redis.RedisConfigSource;
import io.restygateway.config.sync.VersionedSync;
import io.restygateway.upstream.UpstreamAutoConfiguration;
import io.restygateway.upstream.UpstreamProperties;
import io.restygateway.upstream.UpstreamRegistry;

/**
 * The {@code restyconfig} actuator endpoint: staged install and rollback of whole sets of routes and upstreams,
 * and a view of every configuration source. On only where the endpoint is available (exposed, and its access not
 * {@code none}). Without Consul an installed set is a live source of its own on this gateway ({@code restyconfig},
 * layered like the Consul one: local YAML names win); with {@code resty.consul.enabled=true} an install is written
 * back to Consul, and every gateway on that prefix, this one included, applies it through its watch.
 */
@AutoConfiguration(
		after = { GatewayAutoConfiguration.class, UpstreamAutoConfiguration.class, ConsulConfigAutoConfiguration.class,
				RedisConfigAutoConfiguration.class })
@ConditionalOnClass({ RefreshRoutesEvent.class, RouteDefinition.class, Endpoint.class })
@ConditionalOnBooleanProperty(name = "resty.enabled", matchIfMissing = true)
@ConditionalOnAvailableEndpoint(RestyConfigEndpoint.class)
public class RestyConfigAutoConfiguration {

	/** How long an install written back to Consul waits for this gateway's watch to apply it. */
	static final Duration APPLY_WAIT = Duration.ofSeconds(5);

	/** The routes installed through the endpoint on a gateway without Consul. */
	@Bean
	@ConditionalOnMissingBean(name = "restyConfigRoutes")
	public LiveRoutes restyConfigRoutes() {
		return new LiveRoutes(RestyConfigEndpoint.SOURCE);
	}

	@Bean
	@ConditionalOnMissingBean
	public ConfigSetReader restyConfigSetReader(List<RoutePredicateFactory<?>> predicates,
			List<GatewayFilterFactory<?>> filters, BeanFactory beanFactory,
			@Qualifier("webFluxConversionService") ObjectProvider<ConversionService> conversionService,
			ObjectProvider<Validator> validator, ObjectProvider<GatewayProperties> gatewayProperties,
			ObjectProvider<UpstreamProperties> upstreamProperties) {
		// As the Consul source checks: a ConfigurationService without an event publisher, so that checking a set
		// announces nothing about routes that may never go live.
		return new ConfigSetReader(documents(predicates, filters, beanFactory, conversionService, validator),
				localRoutes(gatewayProperties), localUpstreams(upstreamProperties));
	}

	@Bean
	@ConditionalOnMissingBean
	public ConfigVersions restyConfigVersions(ObjectProvider<ConsulConfigSource> consul, LiveRoutes restyConfigRoutes,
			ObjectProvider<UpstreamRegistry> upstreams, ObjectProvider<GatewayProperties> gatewayProperties,
			ObjectProvider<UpstreamProperties> upstreamProperties, List<RoutePredicateFactory<?>> predicates,
			List<GatewayFilterFactory<?>> filters, BeanFactory beanFactory,
			@Qualifier("webFluxConversionService") ObjectProvider<ConversionService> conversionService,
			ObjectProvider<Validator> validator, ObjectProvider<RejectionMetrics> metrics,
			ApplicationEventPublisher publisher) {
		ConsulConfigSource source = consul.getIfAvailable();
		ConfigVersions.Installer installer;
		if (source != null) {
			// Consul is the store every gateway follows: write there, and let each watch (ours too) apply it.
			installer = new ConsulWriteBack(source.client(), source.prefix(), () -> source.status().appliedIndex(),
					APPLY_WAIT);
		}
		else {
			LayoutApplier applier = new LayoutApplier(RestyConfigEndpoint.SOURCE, RestyConfigEndpoint.SOURCE + ":",
					documents(predicates, filters, beanFactory, conversionService, validator), restyConfigRoutes,
					upstreams.getIfAvailable(UpstreamRegistry::new), localRoutes(gatewayProperties),
					localUpstreams(upstreamProperties),
					rejection -> metrics.ifAvailable(counter -> counter.accept(rejection)), Clock.systemUTC());
			installer = new LocalInstaller(applier, restyConfigRoutes, publisher);
		}
		return new ConfigVersions(installer, Clock.systemUTC());
	}

	@Bean
	@ConditionalOnMissingBean
	public RestyConfigEndpoint restyConfigEndpoint(ConfigVersions versions, ObjectProvider<ConfigSourceView> sources) {
		return new RestyConfigEndpoint(versions, sources.orderedStream().toList());
	}

	/** Local YAML: read at start-up, and its names win over every live source. */
	@Bean
	@ConditionalOnMissingBean(name = "restyYamlSourceView")
	public ConfigSourceView restyYamlSourceView(ObjectProvider<GatewayProperties> gatewayProperties,
			ObjectProvider<UpstreamProperties> upstreamProperties) {
		Set<String> routes = new TreeSet<>(localRoutes(gatewayProperties));
		Set<String> upstreams = new TreeSet<>(localUpstreams(upstreamProperties));
		String loaded = Instant.now().toString();
		return new ConfigSourceView() {

			@Override
			public String name() {
				return "yaml";
			}

			@Override
			public Map<String, Object> view() {
				Map<String, Object> view = new LinkedHashMap<>();
				view.put("version", "start-up");
				view.put("lastApplied", loaded);
				view.put("lastError", null);
				view.put("routes", List.copyOf(routes));
				view.put("upstreams", List.copyOf(upstreams));
				return view;
			}

		};
	}

	static RouteDocuments documents(List<RoutePredicateFactory<?>> predicates, List<GatewayFilterFactory<?>> filters,
			BeanFactory beanFactory, ObjectProvider<ConversionService> conversionService,
			ObjectProvider<Validator> validator) {
		return new RouteDocuments(predicates, filters,
				new ConfigurationService(beanFactory, conversionService, validator));
	}

	static Set<String> localRoutes(ObjectProvider<GatewayProperties> gatewayProperties) {
		return gatewayProperties.stream()
			.flatMap(gateway -> gateway.getRoutes().stream())
			.map(RouteDefinition::getId)
			.filter(Objects::nonNull)
			.collect(Collectors.toSet());
	}

	static Set<String> localUpstreams(ObjectProvider<UpstreamProperties> upstreamProperties) {
		return upstreamProperties.stream()
			.flatMap(upstream -> upstream.getUpstreams().keySet().stream())
			.collect(Collectors.toSet());
	}

	/**
	 * What a live source (Consul, Redis) serves, as the view shows it: its routes by key, how many upstreams, and the
	 * keys it refused with their field and problem.
	 */
	static void putServed(Map<String, Object> view, LiveRoutes routes, LayoutApplier applier) {
		view.put("routes", List.copyOf(routes.all().keySet()));
		view.put("upstreams", applier.upstreamCount());
		Map<String, Object> rejected = new LinkedHashMap<>();
		applier.rejections()
			.forEach((key, rejection) -> rejected.put(key, rejection.field() + ": " + rejection.problem()));
		view.put("rejected", rejected);
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnBean(ConsulConfigSource.class)
	static class ConsulViewConfiguration {

		/** Consul: its index, last applied snapshot, last error and refused keys. */
		@Bean
		@ConditionalOnMissingBean(name = "restyConsulSourceView")
		ConfigSourceView restyConsulSourceView(ConsulConfigSource source, LiveRoutes restyConsulRoutes) {
			return new ConfigSourceView() {

				@Override
				public String name() {
					return "consul";
				}

				@Override
				public Map<String, Object> view() {
					ConsulConfigSource.Status status = source.status();
					KvWatch.State watch = status.watch();
					Map<String, Object> view = new LinkedHashMap<>();
					view.put("agent", source.agent());
					view.put("prefix", source.prefix());
					view.put("index", Long.toUnsignedString(status.appliedIndex()));
					view.put("watchIndex", Long.toUnsignedString(watch.index()));
					view.put("lastApplied", status.lastApplied() == null ? null : status.lastApplied().toString());
					view.put("lastError", watch.lastError());
					putServed(view, restyConsulRoutes, source.applier());
					return view;
				}

			};
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnBean(RedisConfigSource.class)
	static class RedisViewConfiguration {

		/** Redis: the version applied, last applied time, last error and refused keys. */
		@Bean
		@ConditionalOnMissingBean(name = "restyRedisSourceView")
		ConfigSourceView restyRedisSourceView(RedisConfigSource source, LiveRoutes restyRedisRoutes) {
			return new ConfigSourceView() {

				@Override
				public String name() {
					return "redis";
				}

				@Override
				public Map<String, Object> view() {
					VersionedSync.State state = source.state();
					Map<String, Object> view = new LinkedHashMap<>();
					view.put("versionKey", source.versionKey());
					view.put("documentsKey", source.documentsKey());
					view.put("version", state.version() == null ? null : String.valueOf(state.version()));
					view.put("lastApplied", state.lastApplied() == null ? null : state.lastApplied().toString());
					view.put("lastError", state.lastError());
					putServed(view, restyRedisRoutes, source.applier());
					return view;
				}

			};
		}

	}

}
