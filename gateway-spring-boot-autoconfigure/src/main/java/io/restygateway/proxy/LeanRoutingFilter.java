package io.restygateway.proxy;

import java.net.URI;
import java.util.concurrent.atomic.LongAdder;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;

import org.springframework.cloud.gateway.config.HttpClientProperties;
import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.filter.NettyRoutingFilter;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.core.Ordered;
import org.springframework.web.server.ServerWebExchange;

import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR;
import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR;

/**
 * The lean path inside Spring Cloud Gateway's filter chain: for a route with filters, or an {@code lb:} route, the
 * request goes out as {@code NettyRoutingFilter} would send it, by {@link LeanForwarder}, in its turn (just before
 * it, which then finds the request routed). Every other global filter and every route filter runs as before, and
 * {@code NettyWriteResponseFilter} still writes the answer; what is saved is the routing filter's own work: the header
 * filters one by one through Spring's {@code HttpHeaders}, and a new {@code HttpClient} configuration per request.
 * <p>
 * It steps aside (the stock filter routes) for a request it does not take: not http or https, a cached body, a
 * WebSocket upgrade, gRPC, a route with a filter ordered in its own turn; and for every request when
 * {@link LeanGate#routingOff()} says why.
 */
public class LeanRoutingFilter implements GlobalFilter, Ordered {

	/** Just before {@code NettyRoutingFilter}. */
	public static final int ORDER = NettyRoutingFilter.ORDER - 1;

	private final HttpClient httpClient;

	private final HttpClientProperties httpClientProperties;

	private final LongAdder routed = new LongAdder();

	private volatile @Nullable LeanForwarder forwarder;

	private volatile @Nullable LeanGate gate;

	/**
	 * @param httpClient the gateway's HTTP client, the one {@code NettyRoutingFilter} uses
	 * @param httpClientProperties the gateway's HTTP client properties (connect and response timeouts)
	 */
	public LeanRoutingFilter(HttpClient httpClient, HttpClientProperties httpClientProperties) {
		this.httpClient = httpClient;
		this.httpClientProperties = httpClientProperties;
	}

	/** Starts routing, once every bean of the context is ready, with what the context allows. */
	void start(LeanGate gate, LeanForwarder forwarder) {
		this.forwarder = forwarder;
		this.gate = gate;
	}

	@Override
	public int getOrder() {
		return ORDER;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
		LeanForwarder forwarder = this.forwarder;
		LeanGate gate = this.gate;
		URI url = exchange.getAttribute(GATEWAY_REQUEST_URL_ATTR);
		Route route = exchange.getAttribute(GATEWAY_ROUTE_ATTR);
		if (forwarder == null || gate == null || gate.routingOff() != null || url == null || route == null
				|| !isHttp(url.getScheme()) || !forwarder.accepts(exchange) || routeFilterInOurTurn(route)) {
			return chain.filter(exchange);
		}
		this.routed.increment();
		HttpClient client = LeanRoute.client(route, this.httpClient, this.httpClientProperties);
		return forwarder.route(exchange, url, client, LeanRoute.responseTimeout(route.getMetadata(), this.httpClientProperties))
			.then(chain.filter(exchange));
	}

	/**
	 * A route filter ordered exactly in this filter's turn sorts after it (the chain puts the global filters first
	 * among equals) but before {@code NettyRoutingFilter}: it must run before the request goes out, so the stock
	 * filter routes. One look at each of the route's few filters.
	 */
	static boolean routeFilterInOurTurn(Route route) {
		for (GatewayFilter filter : route.getFilters()) {
			if (filter instanceof Ordered ordered && ordered.getOrder() == ORDER) {
				return true;
			}
		}
		return false;
	}

	private static boolean isHttp(@Nullable String scheme) {
		return "http".equalsIgnoreCase(scheme) || "https".equalsIgnoreCase(scheme);
	}

	/** @return the number of requests of the filter chain it routed since start */
	public long routed() {
		return this.routed.sum();
	}

	/** @return one line for the start-up report: on, or off and why */
	public String report() {
		LeanGate gate = this.gate;
		if (gate == null) {
			return "lean routing in the filter chain: not started";
		}
		return gate.routingOff() == null ? "lean routing in the filter chain: on"
				: "lean routing in the filter chain: off, " + gate.routingOff();
	}

}
