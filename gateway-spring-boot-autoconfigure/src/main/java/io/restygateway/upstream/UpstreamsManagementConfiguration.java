package io.restygateway.upstream;

import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.autoconfigure.endpoint.web.WebEndpointProperties;
import org.springframework.boot.actuate.autoconfigure.web.ManagementContextConfiguration;
import org.springframework.boot.actuate.autoconfigure.web.ManagementContextType;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.context.annotation.Bean;
import org.springframework.web.server.WebFilter;

/**
 * Serves the write side of the {@code upstreams} endpoint on the management server, where the endpoint is exposed.
 */
@ManagementContextConfiguration(value = ManagementContextType.ANY, proxyBeanMethods = false)
@ConditionalOnClass(WebFilter.class)
@ConditionalOnBean(UpstreamRegistry.class)
@ConditionalOnAvailableEndpoint(UpstreamsEndpoint.class)
public class UpstreamsManagementConfiguration {

	@Bean
	public UpstreamsWriteFilter restyUpstreamsWriteFilter(UpstreamRegistry registry, WebEndpointProperties properties) {
		return new UpstreamsWriteFilter(registry, properties.getBasePath());
	}

}
