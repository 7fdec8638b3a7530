package io.restygateway.proxy;

import java.util.Collection;
import java.util.List;
import java.util.Set;

import org.jspecify.annotations.Nullable;

import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter;
import org.springframework.cloud.gateway.filter.headers.RemoveHopByHopHeadersFilter;
import org.springframework.cloud.gateway.filter.headers.TransferEncodingNormalizationHeadersFilter;
import org.springframework.context.ApplicationContext;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.AnnotationAwareOrderComparator;
import org.springframework.core.annotation.AnnotationUtils;
import org.springframework.core.annotation.Order;
import org.springframework.web.reactive.DispatcherHandler;
import org.springframework.web.reactive.HandlerMapping;
import org.springframework.web.reactive.function.server.support.RouterFunctionMapping;
import org.springframework.web.reactive.result.method.AbstractHandlerMethodMapping;

/**
 * What a context allows the lean path, decided once when its beans are ready.
 *
 * @param context the context whose server the lean path serves
 * @param dispatchOff why no request can be dispatched by the lean filter (something but the gateway may take it),
 * or {@code null}
 * @param leanOff why no route can be lean (a global filter whose work the lean path does not do), or {@code null}
 * @param routingOff why the filter chain's requests cannot be routed by {@link LeanRoutingFilter} (the stock routing
 * filters are not there, or another global filter runs after it), or {@code null}
 */
record LeanGate(ApplicationContext context, @Nullable String dispatchOff, @Nullable String leanOff,
		@Nullable String routingOff) {

	/**
	 * The global filters whose work for a plain http route without filters is what {@link LeanForwarder} does, or
	 * nothing: they act on forward:, lb: and ws: URLs, on cached bodies, or are the routing itself.
	 */
	static final Set<String> KNOWN_GLOBAL_FILTERS = Set.of(
			"org.springframework.cloud.gateway.filter.RemoveCachedBodyFilter",
			"org.springframework.cloud.gateway.filter.AdaptCachedBodyGlobalFilter",
			"org.springframework.cloud.gateway.filter.NettyWriteResponseFilter",
			"org.springframework.cloud.gateway.filter.ForwardPathFilter",
			"org.springframework.cloud.gateway.filter.RouteToRequestUrlFilter",
			"org.springframework.cloud.gateway.filter.ReactiveLoadBalancerClientFilter",
			"org.springframework.cloud.gateway.filter.LoadBalancerServiceInstanceCookieFilter",
			"org.springframework.cloud.gateway.filter.WebsocketRoutingFilter",
			"org.springframework.cloud.gateway.filter.NettyRoutingFilter",
			"org.springframework.cloud.gateway.filter.ForwardRoutingFilter",
			"io.restygateway.upstream.UpstreamRetryFilter", "io.restygateway.key.ClientAddressFilter");

	/** The global filters the lean path cannot do without: it does their work itself. */
	static final Set<String> REQUIRED_GLOBAL_FILTERS = Set.of(
			"org.springframework.cloud.gateway.filter.NettyWriteResponseFilter",
			"org.springframework.cloud.gateway.filter.RouteToRequestUrlFilter",
			"org.springframework.cloud.gateway.filter.NettyRoutingFilter");

	/** The header filters {@link HeaderRules} does in one pass; gRPC requests never take the lean path. */
	static final Set<String> KNOWN_HEADER_FILTERS = Set.of(
			"org.springframework.cloud.gateway.filter.headers.RemoveHopByHopHeadersFilter",
			"org.springframework.cloud.gateway.filter.headers.RemoveXForwardedHeadersFilter",
			"org.springframework.cloud.gateway.filter.headers.RemoveForwardedHeadersFilter",
			"org.springframework.cloud.gateway.filter.headers.TransferEncodingNormalizationHeadersFilter",
			"org.springframework.cloud.gateway.filter.headers.GRPCRequestHeadersFilter",
			"org.springframework.cloud.gateway.filter.headers.GRPCResponseHeadersFilter");

	/**
	 * @param context the gateway's context
	 * @param gatewayOrder the order of the gateway's handler mapping
	 * @param globalFilters every global filter
	 */
	static LeanGate of(ApplicationContext context, int gatewayOrder, Collection<GlobalFilter> globalFilters) {
		return new LeanGate(context, dispatchOff(context, gatewayOrder), leanOff(globalFilters),
				routingOff(globalFilters));
	}

	/**
	 * {@link LeanRoutingFilter} takes {@code NettyRoutingFilter}'s turn, just before it: only with the stock routing
	 * and writing filters, and with no other global filter at or after that turn (which would then run after the
	 * request went out instead of before).
	 */
	private static @Nullable String routingOff(Collection<GlobalFilter> globalFilters) {
		boolean routing = false;
		boolean writing = false;
		for (GlobalFilter filter : globalFilters) {
			String name = filter.getClass().getName();
			if (name.equals("org.springframework.cloud.gateway.filter.NettyRoutingFilter")) {
				routing = true;
			}
			else if (name.equals("org.springframework.cloud.gateway.filter.NettyWriteResponseFilter")) {
				writing = true;
			}
			else if (!KNOWN_GLOBAL_FILTERS.contains(name) && !(filter instanceof LeanRoutingFilter)
					&& order(filter) >= LeanRoutingFilter.ORDER) {
				return "the global filter " + name + " runs as late as the routing";
			}
		}
		if (!routing) {
			return "Spring Cloud Gateway's NettyRoutingFilter is not there";
		}
		return writing ? null : "Spring Cloud Gateway's NettyWriteResponseFilter is not there";
	}

	/** A global filter's place in the chain, as FilteringWebHandler sorts it. */
	private static int order(GlobalFilter filter) {
		if (filter instanceof Ordered ordered) {
			return ordered.getOrder();
		}
		Order order = AnnotationUtils.findAnnotation(filter.getClass(), Order.class);
		return order != null ? order.value() : Ordered.LOWEST_PRECEDENCE;
	}

	private static @Nullable String dispatchOff(ApplicationContext context, int gatewayOrder) {
		Object webHandler = context.containsBean("webHandler") ? context.getBean("webHandler") : null;
		if (!(webHandler instanceof DispatcherHandler)) {
			return "the web handler is not WebFlux's DispatcherHandler";
		}
		List<HandlerMapping> mappings = new java.util.ArrayList<>(context.getBeansOfType(HandlerMapping.class).values());
		AnnotationAwareOrderComparator.sort(mappings);
		for (HandlerMapping mapping : mappings) {
			int order = mapping instanceof Ordered ordered ? ordered.getOrder() : Ordered.LOWEST_PRECEDENCE;
			if (order >= gatewayOrder) {
				continue;
			}
			if (mapping instanceof RouterFunctionMapping functions && functions.getRouterFunction() == null) {
				continue;
			}
			// Controllers, and actuator endpoint mappings such as the health groups' additional paths on the server port.
			if (mapping instanceof AbstractHandlerMethodMapping<?> methods && methods.getHandlerMethods().isEmpty()) {
				continue;
			}
			return "the handler mapping " + mapping.getClass().getSimpleName()
					+ " comes before the gateway's and has handlers of its own";
		}
		return null;
	}

	private static @Nullable String leanOff(Collection<GlobalFilter> globalFilters) {
		Set<String> present = new java.util.HashSet<>();
		for (GlobalFilter filter : globalFilters) {
			String name = filter.getClass().getName();
			if (name.equals("org.springframework.cloud.gateway.filter.GatewayMetricsFilter")) {
				return "request metrics are on (the gateway's requests timer is kept by its filter chain)";
			}
			if (!KNOWN_GLOBAL_FILTERS.contains(name) && !(filter instanceof LeanRoutingFilter)) {
				return "the global filter " + name + " runs on every route";
			}
			present.add(name);
		}
		for (String required : REQUIRED_GLOBAL_FILTERS) {
			if (!present.contains(required)) {
				return "the global filter " + required + " is switched off";
			}
		}
		return null;
	}

	/**
	 * The stock header filters as one pass, or {@code null} when a header filter is not one of them (or their
	 * orders were changed so that one pass would not be the same).
	 */
	static @Nullable HeaderRules headerRules(List<HttpHeadersFilter> filters) {
		Set<String> hopByHop = Set.of();
		boolean removeXForwarded = false;
		boolean removeForwarded = false;
		boolean normalize = false;
		int normalizeOrder = Integer.MIN_VALUE;
		int hopByHopOrder = Integer.MAX_VALUE;
		for (HttpHeadersFilter filter : filters) {
			String name = filter.getClass().getName();
			if (!KNOWN_HEADER_FILTERS.contains(name)) {
				return null;
			}
			if (filter instanceof RemoveHopByHopHeadersFilter hop) {
				hopByHop = hop.getHeaders();
				hopByHopOrder = hop.getOrder();
			}
			else if (filter instanceof TransferEncodingNormalizationHeadersFilter te) {
				normalize = true;
				normalizeOrder = te.getOrder();
			}
			else if (name.endsWith(".RemoveXForwardedHeadersFilter")) {
				removeXForwarded = true;
			}
			else if (name.endsWith(".RemoveForwardedHeadersFilter")) {
				removeForwarded = true;
			}
		}
		if (!hopByHop.contains("transfer-encoding") || (normalize && normalizeOrder >= hopByHopOrder)) {
			return null;
		}
		return new HeaderRules(hopByHop, removeXForwarded, removeForwarded, normalize);
	}

}
