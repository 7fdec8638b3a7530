package io.restygateway.upstream;

import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.loadbalancer.core.ReactorLoadBalancer;
import org.springframework.cloud.loadbalancer.core.RoundRobinLoadBalancer;
import org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.support.LoadBalancerClientFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/**
 * The default configuration of every Spring Cloud LoadBalancer client context (one per service id): a
 * {@link RestyLoadBalancer} that serves the Resty upstream of that name, or falls back to round robin over service
 * discovery. Registered through {@code @LoadBalancerClients(defaultConfiguration = ...)}; not component-scanned.
 */
public class UpstreamLoadBalancerConfiguration {

	@Bean
	public ReactorLoadBalancer<ServiceInstance> restyLoadBalancer(Environment environment,
			LoadBalancerClientFactory clientFactory, UpstreamRegistry registry) {
		String serviceId = environment.getProperty(LoadBalancerClientFactory.PROPERTY_NAME, "");
		RoundRobinLoadBalancer fallback = new RoundRobinLoadBalancer(
				clientFactory.getLazyProvider(serviceId, ServiceInstanceListSupplier.class), serviceId);
		return new RestyLoadBalancer(serviceId, registry, fallback);
	}

}
