package io.restygateway.upstream;

import java.util.Map;
import java.util.stream.Collectors;

import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.loadbalancer.annotation.LoadBalancerClients;
import org.springframework.cloud.loadbalancer.core.ReactorServiceInstanceLoadBalancer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.restygateway.core.RestyFeatureReport;
import io.restygateway.key.ClientAddressFilter;

/**
 * Upstreams for {@code lb://name} routes: the registry loaded from {@code resty.upstreams}, the load balancer of
 * every service id, and the passive health check.
 */
@AutoConfiguration
@ConditionalOnClass({ ReactorServiceInstanceLoadBalancer.class, GlobalFilter.class })
@ConditionalOnBooleanProperty(name = "resty.enabled", matchIfMissing = true)
@ConditionalOnBooleanProperty(name = "resty.upstream.enabled", matchIfMissing = true)
@EnableConfigurationProperties(UpstreamProperties.class)
@LoadBalancerClients(defaultConfiguration = UpstreamLoadBalancerConfiguration.class)
public class UpstreamAutoConfiguration {

	/**
	 * The upstreams of {@code resty.upstreams}, validated: a definition that is not valid stops the start with the
	 * property at fault, e.g. {@code resty.upstreams.shop.levels[0].servers[1].port: must be between 1 and 65535}.
	 */
	@Bean
	@ConditionalOnMissingBean
	public UpstreamRegistry upstreamRegistry(UpstreamProperties properties) {
		UpstreamRegistry registry = new UpstreamRegistry();
		for (Map.Entry<String, UpstreamDefinition> entry : properties.getUpstreams().entrySet()) {
			try {
				registry.put(entry.getValue().toSpec(entry.getKey()));
			}
			catch (InvalidUpstreamException ex) {
				throw new IllegalStateException(
						"resty.upstreams." + entry.getKey() + "." + ex.field() + ": " + ex.problem(), ex);
			}
		}
		return registry;
	}

	@Bean
	@ConditionalOnMissingBean
	public UpstreamLoadBalancerLifecycle upstreamLoadBalancerLifecycle() {
		return new UpstreamLoadBalancerLifecycle();
	}

	@Bean(initMethod = "start", destroyMethod = "close")
	@ConditionalOnMissingBean
	public ActiveHealthChecker activeHealthChecker(UpstreamRegistry registry) {
		return new ActiveHealthChecker(registry);
	}

	@Bean
	@ConditionalOnMissingBean
	public UpstreamRetryFilter upstreamRetryFilter(UpstreamRegistry registry) {
		return new UpstreamRetryFilter(registry);
	}

	@Bean
	@ConditionalOnMissingBean
	public ClientAddressFilter restyClientAddressFilter() {
		return new ClientAddressFilter();
	}

	@Bean
	@ConditionalOnMissingBean(name = "upstreamsReport")
	public RestyFeatureReport upstreamsReport(UpstreamRegistry registry) {
		return () -> {
			Map<String, Upstream> all = registry.all();
			if (all.isEmpty()) {
				return "upstreams: none declared (resty.upstreams.NAME; lb://NAME falls back to service discovery)";
			}
			return "upstreams: " + all.values()
				.stream()
				.map(upstream -> upstream.name() + " (" + upstream.spec().balancer().label() + ", "
						+ upstream.spec().levels().size() + " level(s), " + upstream.spec().serverCount()
						+ " server(s))")
				.collect(Collectors.joining(", "));
		};
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = "io.micrometer.core.instrument.binder.MeterBinder")
	static class MetricsConfiguration {

		@Bean
		@ConditionalOnMissingBean
		UpstreamMetrics upstreamMetrics(UpstreamRegistry registry) {
			return new UpstreamMetrics(registry);
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = "org.springframework.boot.actuate.endpoint.annotation.Endpoint")
	static class EndpointConfiguration {

		@Bean
		@ConditionalOnMissingBean
		@ConditionalOnAvailableEndpoint(UpstreamsEndpoint.class)
		UpstreamsEndpoint upstreamsEndpoint(UpstreamRegistry registry) {
			return new UpstreamsEndpoint(registry);
		}

	}

}
