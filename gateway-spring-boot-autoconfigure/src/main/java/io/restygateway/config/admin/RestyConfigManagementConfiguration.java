package io.restygateway.config.admin;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.web.WebEndpointProperties;
import org.springframework.boot.actuate.autoconfigure.web.ManagementContextConfiguration;
import org.springframework.boot.actuate.autoconfigure.web.ManagementContextType;
import org.springframework.boot.actuate.endpoint.Access;
import org.springframework.boot.actuate.endpoint.EndpointAccessResolver;
import org.springframework.boot.actuate.endpoint.EndpointId;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.context.annotation.Bean;
import org.springframework.web.server.WebFilter;

/**
 * Serves the write side of the {@code restyconfig} endpoint on the management server, where the endpoint is
 * exposed. Writes follow the endpoint's access: with {@code management.endpoint.restyconfig.access=read-only} they
 * are refused.
 */
@ManagementContextConfiguration(value = ManagementContextType.ANY, proxyBeanMethods = false)
@ConditionalOnClass(WebFilter.class)
@ConditionalOnBean({ ConfigVersions.class, ConfigSetReader.class })
public class RestyConfigManagementConfiguration {

	@Bean
	public RestyConfigWriteFilter restyConfigWriteFilter(ConfigVersions versions, ConfigSetReader reader,
			WebEndpointProperties properties, ObjectProvider<EndpointAccessResolver> access) {
		EndpointAccessResolver resolver = access.getIfAvailable();
		boolean writable = resolver == null
				|| resolver.accessFor(EndpointId.of("restyconfig"), Access.UNRESTRICTED) == Access.UNRESTRICTED;
		return new RestyConfigWriteFilter(versions, reader, properties.getBasePath(), writable);
	}

}
