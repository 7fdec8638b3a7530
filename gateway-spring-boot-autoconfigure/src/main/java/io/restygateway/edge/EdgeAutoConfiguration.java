package io.restygateway.edge;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.cloud.gateway.config.GatewayAutoConfiguration;
import org.springframework.cloud.gateway.filter.factory.RequestSizeGatewayFilterFactory;
import org.springframework.context.annotation.Bean;

/**
 * The edge: the limits a gateway that faces the internet holds for every request, whatever the route's other
 * filters. Today: {@code RequestSize} holds for bodies without a length ({@link StreamedRequestSizeGatewayFilterFactory}).
 */
@AutoConfiguration(after = GatewayAutoConfiguration.class)
@ConditionalOnClass(RequestSizeGatewayFilterFactory.class)
@ConditionalOnBooleanProperty(name = "resty.enabled", matchIfMissing = true)
public class EdgeAutoConfiguration {

	@Bean
	static RequestSizeFilterReplacement restyRequestSizeFilterReplacement() {
		return new RequestSizeFilterReplacement();
	}

}
