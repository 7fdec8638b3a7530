package io.restygateway.proxy;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;

import org.springframework.cloud.gateway.config.HttpClientProperties;
import org.springframework.cloud.gateway.event.RefreshRoutesResultEvent;
import org.springframework.cloud.gateway.handler.FilteringWebHandler;
import org.springframework.cloud.gateway.handler.RoutePredicateHandlerMapping;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.context.ApplicationListener;
import org.springframework.core.Ordered;
import org.springframework.util.ReflectionUtils;
import org.springframework.web.cors.reactive.CorsUtils;
import org.springframework.web.reactive.HandlerMapping;
import org.springframework.web.reactive.handler.AbstractHandlerMapping;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_HANDLER_MAPPER_ATTR;
import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_PREDICATE_ROUTE_ATTR;
import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_REACTOR_CONTEXT_ATTR;
import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR;

/**
 * The last web filter: it does for a gateway request what WebFlux's {@code DispatcherHandler} would, when nothing
 * else than the gateway can take the request, and forwards the requests of lean routes itself.
 * <p>
 * The route is looked up as {@code RoutePredicateHandlerMapping} does (the same routes, in order, the same
 * predicates, the same exchange attributes). A request of a lean route ({@link LeanRoute}: no filters, an http or
 * https URI) that the {@link LeanForwarder} accepts is forwarded without the global filter chain; any other matched
 * request goes to Spring Cloud Gateway's {@link FilteringWebHandler}, as the dispatcher would hand it. A request
 * that matches no route, a CORS pre-flight, a request to a mapping that has CORS configured or API versions, and
 * every request while a handler mapping ahead of the gateway's has handlers of its own (controllers, router
 * functions, actuator endpoints on the server port) go down the web filter chain to the dispatcher unchanged.
 */
public class LeanDispatchFilter implements WebFilter, Ordered, ApplicationListener<RefreshRoutesResultEvent> {

	/** The exchange attribute that says which way a request went: {@link Path}. */
	public static final String PATH_ATTRIBUTE = LeanDispatchFilter.class.getName() + ".path";

	/** Which way a request went. */
	public enum Path {

		/** Forwarded by the lean path. */
		LEAN,

		/** Matched here, then through Spring Cloud Gateway's filter chain. */
		FILTER_CHAIN,

		/** Handed to WebFlux's dispatcher: no route matched, or the lean path is off for the request. */
		DISPATCHER

	}

	private static final Log logger = LogFactory.getLog(LeanDispatchFilter.class);

	private static final @Nullable Field CORS_SOURCE = ReflectionUtils.findField(AbstractHandlerMapping.class,
			"corsConfigurationSource");

	static {
		if (CORS_SOURCE != null) {
			ReflectionUtils.makeAccessible(CORS_SOURCE);
		}
	}

	private final RoutePredicateHandlerMapping mapping;

	private final RouteLocator routeLocator;

	private final FilteringWebHandler webHandler;

	private final HttpClient httpClient;

	private final HttpClientProperties httpClientProperties;

	/** Set once the context's beans are ready: until then every request goes to the dispatcher. */
	private volatile @Nullable LeanGate gate;

	private volatile @Nullable LeanForwarder forwarder;

	private volatile @Nullable List<LeanRoute> routes;

	private final LongAdder lean = new LongAdder();

	private final LongAdder filterChain = new LongAdder();

	private final LongAdder dispatcher = new LongAdder();

	/**
	 * @param mapping the gateway's handler mapping, whose CORS and API version settings are checked on every request
	 * @param routeLocator the routes the mapping looks up
	 * @param webHandler the gateway's filter chain, for matched routes that are not lean
	 * @param httpClient the gateway's HTTP client
	 * @param httpClientProperties its settings (timeouts)
	 */
	public LeanDispatchFilter(RoutePredicateHandlerMapping mapping, RouteLocator routeLocator,
			FilteringWebHandler webHandler, HttpClient httpClient, HttpClientProperties httpClientProperties) {
		this.mapping = mapping;
		this.routeLocator = routeLocator;
		this.webHandler = webHandler;
		this.httpClient = httpClient;
		this.httpClientProperties = httpClientProperties;
	}

	/** Starts dispatching, once every bean of the context is ready, with what the context allows. */
	void start(LeanGate gate, LeanForwarder forwarder) {
		this.forwarder = forwarder;
		this.gate = gate;
		if (gate.dispatchOff() == null) {
			refresh();
		}
	}

	@Override
	public int getOrder() {
		return Ordered.LOWEST_PRECEDENCE;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		LeanGate gate = this.gate;
		if (gate != null && exchange.getApplicationContext() != gate.context()) {
			// The management server's context sees this filter too, as a bean of its parent: its requests are not
			// the gateway's.
			return chain.filter(exchange);
		}
		List<LeanRoute> routes = this.routes;
		if (routes == null || gate == null || gate.dispatchOff() != null || !dispatchable(exchange, gate)) {
			return dispatcher(exchange, chain);
		}
		exchange.getAttributes().put(GATEWAY_HANDLER_MAPPER_ATTR, "RoutePredicateHandlerMapping");
		return Mono.deferContextual(context -> {
			exchange.getAttributes().put(GATEWAY_REACTOR_CONTEXT_ATTR, context);
			return lookup(exchange, chain, routes, 0);
		});
	}

	/** Whether the gateway's mapping would take this request as it is, with no CORS or API version work. */
	private boolean dispatchable(ServerWebExchange exchange, LeanGate gate) {
		if (CorsUtils.isPreFlightRequest(exchange.getRequest()) || this.mapping.getApiVersionStrategy() != null) {
			return false;
		}
		return CORS_SOURCE != null && ReflectionUtils.getField(CORS_SOURCE, this.mapping) == null;
	}

	/** RoutePredicateHandlerMapping.lookupRoute: the first route, in order, whose predicate holds. */
	private Mono<Void> lookup(ServerWebExchange exchange, WebFilterChain chain, List<LeanRoute> routes, int from) {
		for (int i = from; i < routes.size(); i++) {
			LeanRoute candidate = routes.get(i);
			Route route = candidate.route();
			exchange.getAttributes().put(GATEWAY_PREDICATE_ROUTE_ATTR, route.getId());
			org.reactivestreams.Publisher<Boolean> test;
			try {
				test = route.getPredicate().apply(exchange);
			}
			catch (Exception ex) {
				logger.error("Error applying predicate for route: " + route.getId(), ex);
				continue;
			}
			if (test instanceof java.util.concurrent.Callable<?> callable) {
				Object matched;
				try {
					matched = callable.call();
				}
				catch (Exception ex) {
					return Mono.error(ex);
				}
				if (Boolean.TRUE.equals(matched)) {
					return matched(exchange, candidate);
				}
				continue;
			}
			int next = i + 1;
			return Mono.from(test)
				.defaultIfEmpty(Boolean.FALSE)
				.flatMap(matched -> matched ? matched(exchange, candidate) : lookup(exchange, chain, routes, next));
		}
		exchange.getAttributes().remove(GATEWAY_PREDICATE_ROUTE_ATTR);
		ServerWebExchangeUtils.clearCachedRequestBody(exchange);
		return dispatcher(exchange, chain);
	}

	private Mono<Void> matched(ServerWebExchange exchange, LeanRoute route) {
		exchange.getAttributes().remove(GATEWAY_PREDICATE_ROUTE_ATTR);
		exchange.getAttributes().put(GATEWAY_ROUTE_ATTR, route.route());
		exchange.getAttributes().put(HandlerMapping.BEST_MATCHING_HANDLER_ATTRIBUTE, this.webHandler);
		LeanForwarder forwarder = this.forwarder;
		if (route.lean() && forwarder != null && forwarder.accepts(exchange)) {
			this.lean.increment();
			exchange.getAttributes().put(PATH_ATTRIBUTE, Path.LEAN);
			return forwarder.forward(exchange, route);
		}
		this.filterChain.increment();
		exchange.getAttributes().put(PATH_ATTRIBUTE, Path.FILTER_CHAIN);
		return this.webHandler.handle(exchange);
	}

	private Mono<Void> dispatcher(ServerWebExchange exchange, WebFilterChain chain) {
		this.dispatcher.increment();
		exchange.getAttributes().put(PATH_ATTRIBUTE, Path.DISPATCHER);
		return chain.filter(exchange);
	}

	@Override
	public void onApplicationEvent(RefreshRoutesResultEvent event) {
		LeanGate gate = this.gate;
		if (event.isSuccess() && gate != null && gate.dispatchOff() == null) {
			refresh();
		}
	}

	/** Takes the routes in force, as RoutePredicateHandlerMapping sees them, and plans each once. */
	void refresh() {
		LeanGate gate = this.gate;
		String leanOff = gate == null ? "the context is not ready" : gate.leanOff();
		this.routeLocator.getRoutes().collectList().subscribe(list -> {
			List<LeanRoute> planned = new ArrayList<>(list.size());
			for (Route route : list) {
				planned.add(LeanRoute.plan(route, leanOff, this.httpClient, this.httpClientProperties));
			}
			this.routes = List.copyOf(planned);
			if (logger.isDebugEnabled()) {
				logger.debug("Lean proxy routes: " + describe(planned));
			}
		}, ex -> logger.warn("Lean proxy: could not read the routes; requests go through the dispatcher until the "
				+ "next refresh", ex));
	}

	/** @return the routes as planned, or {@code null} before the first refresh */
	@Nullable List<LeanRoute> routes() {
		return this.routes;
	}

	/** @return what the context allows, or {@code null} before its beans are ready */
	@Nullable LeanGate gate() {
		return this.gate;
	}

	/** @return the number of requests that went each way since start */
	public long count(Path path) {
		return switch (path) {
			case LEAN -> this.lean.sum();
			case FILTER_CHAIN -> this.filterChain.sum();
			case DISPATCHER -> this.dispatcher.sum();
		};
	}

	/** One line for the start-up report. */
	String report() {
		LeanGate gate = this.gate;
		if (gate == null) {
			return "lean proxy: not started";
		}
		if (gate.dispatchOff() != null) {
			return "lean proxy: off, " + gate.dispatchOff();
		}
		List<LeanRoute> planned = this.routes;
		if (planned == null) {
			return "lean proxy: on (routes not read yet)";
		}
		return "lean proxy: on; " + describe(planned);
	}

	private String describe(List<LeanRoute> planned) {
		List<String> lean = new ArrayList<>();
		List<String> chain = new ArrayList<>();
		for (LeanRoute route : planned) {
			if (route.lean()) {
				lean.add(route.route().getId());
			}
			else {
				chain.add(route.route().getId() + " (" + route.reason() + ")");
			}
		}
		return "lean routes " + (lean.isEmpty() ? "none" : String.join(", ", lean)) + "; through the filter chain "
				+ (chain.isEmpty() ? "none" : String.join(", ", chain))
				+ (this.forwarder != null && !this.forwarder.inlineHeaders() ? "; headers through each header filter" : "");
	}

}
