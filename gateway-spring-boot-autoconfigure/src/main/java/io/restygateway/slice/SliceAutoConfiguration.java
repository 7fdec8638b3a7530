package io.restygateway.slice;

import java.util.List;

import reactor.netty.http.client.HttpClient;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.cloud.gateway.config.conditional.ConditionalOnEnabledFilter;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter;
import org.springframework.context.annotation.Bean;

/**
 * The {@code Slice} filter.
 */
@AutoConfiguration
@ConditionalOnClass({ GlobalFilter.class, HttpClient.class })
@ConditionalOnBooleanProperty(name = "resty.enabled", matchIfMissing = true)
@ConditionalOnBooleanProperty(name = "resty.slice.enabled", matchIfMissing = true)
public class SliceAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnEnabledFilter
	public SliceGatewayFilterFactory sliceGatewayFilterFactory(ObjectProvider<HttpClient> client,
			ObjectProvider<List<HttpHeadersFilter>> headersFilters) {
		return new SliceGatewayFilterFactory(client, headersFilters);
	}

}
