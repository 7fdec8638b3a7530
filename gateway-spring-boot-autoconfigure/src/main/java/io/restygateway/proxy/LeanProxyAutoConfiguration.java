package io.restygateway.proxy;

import java.util.List;

import reactor.netty.http.client.HttpClient;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.cloud.gateway.config.GatewayAutoConfiguration;
import org.springframework.cloud.gateway.config.GatewayProperties;
import org.springframework.cloud.gateway.config.HttpClientProperties;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter;
import org.springframework.cloud.gateway.handler.FilteringWebHandler;
import org.springframework.cloud.gateway.handler.RoutePredicateHandlerMapping;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;

import io.restygateway.core.RestyFeatureReport;

/**
 * The lean proxy path ({@code resty.lean-proxy.enabled}, on by default): the last web filter dispatches gateway
 * requests itself and forwards those of plain routes without the global filter chain, and the requests of other
 * routes, in the chain, are sent by the lean forwarder in the routing filter's turn.
 */
@AutoConfiguration(after = GatewayAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
@ConditionalOnClass({ RoutePredicateHandlerMapping.class, HttpClient.class })
@ConditionalOnBooleanProperty(name = "resty.enabled", matchIfMissing = true)
@ConditionalOnBooleanProperty(name = "resty.lean-proxy.enabled", matchIfMissing = true)
@ConditionalOnBean({ RoutePredicateHandlerMapping.class, FilteringWebHandler.class, HttpClient.class })
public class LeanProxyAutoConfiguration {

	@Bean
	public LeanDispatchFilter restyLeanDispatchFilter(RoutePredicateHandlerMapping mapping, RouteLocator routeLocator,
			FilteringWebHandler webHandler, HttpClient httpClient, HttpClientProperties httpClientProperties) {
		return new LeanDispatchFilter(mapping, routeLocator, webHandler, httpClient, httpClientProperties);
	}

	@Bean
	public LeanRoutingFilter restyLeanRoutingFilter(HttpClient httpClient, HttpClientProperties httpClientProperties) {
		return new LeanRoutingFilter(httpClient, httpClientProperties);
	}

	/** Once every bean is ready: which handler mappings, global filters and header filters the context has. */
	@Bean
	SmartInitializingSingleton restyLeanDispatchStart(LeanDispatchFilter filter, LeanRoutingFilter routing,
			ApplicationContext context, RoutePredicateHandlerMapping mapping,
			ObjectProvider<GlobalFilter> globalFilters, ObjectProvider<HttpHeadersFilter> headersFilters,
			GatewayProperties gatewayProperties) {
		return () -> {
			LeanGate gate = LeanGate.of(context, mapping.getOrder(), globalFilters.orderedStream().toList());
			List<HttpHeadersFilter> headers = headersFilters.orderedStream().toList();
			LeanForwarder forwarder = new LeanForwarder(LeanGate.headerRules(headers), headers,
					gatewayProperties.getStreamingMediaTypes());
			filter.start(gate, forwarder);
			routing.start(gate, forwarder);
		};
	}

	@Bean
	RestyFeatureReport restyLeanProxyReport(LeanDispatchFilter filter, LeanRoutingFilter routing) {
		return () -> filter.report() + "; " + routing.report();
	}

}
