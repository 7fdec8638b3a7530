package io.restygateway.upstream;

import java.net.URI;
import java.util.Set;
import java.util.function.LongSupplier;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;

import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.Response;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.filter.ReactiveLoadBalancerClientFilter;
import org.springframework.cloud.gateway.support.NotFoundException;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.core.Ordered;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;

/**
 * Retries of a request to a Resty upstream, across servers and levels, as checkups' {@code try} and nginx's
 * {@code proxy_next_upstream} do: an attempt that fails by the upstream's {@code retry-on} (a connect failure, a
 * timeout, a listed status) is repeated on another server, never on one that already failed this request, until
 * {@code try} attempts are spent or {@code try-timeout} has passed. It runs just before Spring Cloud Gateway's load
 * balancer filter, so each attempt chooses anew, and after the routing filter has the answer's status but before
 * the body is written, so a failed answer is discarded unseen.
 *
 * <p>A request body is kept to be sent again only when its Content-Length is at most
 * {@value #MAX_REPLAYED_BODY} bytes (a larger or chunked body is sent once, and the request is not retried), and,
 * unless {@code retry-on} lists {@code non-idempotent}, only idempotent methods are retried. A connection closed or reset before the
 * answer's head arrived counts as {@code connect-failure}, as nginx's {@code error} does. When the last attempt
 * fails to connect the client gets 502, when it times out 504 (nginx's answers).
 */
public class UpstreamRetryFilter implements GlobalFilter, Ordered {

	/** Just before the load balancer filter. */
	public static final int ORDER = ReactiveLoadBalancerClientFilter.LOAD_BALANCER_CLIENT_FILTER_ORDER - 1;

	/** The largest request body kept in memory so that a retry can send it again. */
	public static final int MAX_REPLAYED_BODY = 64 * 1024;

	private static final Set<HttpMethod> IDEMPOTENT = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS,
			HttpMethod.PUT, HttpMethod.DELETE, HttpMethod.TRACE);

	private final UpstreamRegistry registry;

	private final LongSupplier nanoTime;

	/**
	 * @param registry the upstreams
	 * @param nanoTime the monotonic clock for {@code try-timeout}
	 */
	public UpstreamRetryFilter(UpstreamRegistry registry, LongSupplier nanoTime) {
		this.registry = registry;
		this.nanoTime = nanoTime;
	}

	public UpstreamRetryFilter(UpstreamRegistry registry) {
		this(registry, System::nanoTime);
	}

	@Override
	public int getOrder() {
		return ORDER;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
		URI url = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR);
		if (url == null || !"lb".equals(url.getScheme()) || url.getHost() == null) {
			return chain.filter(exchange);
		}
		Upstream upstream = this.registry.get(url.getHost());
		if (upstream == null) {
			return chain.filter(exchange);
		}
		UpstreamSpec spec = upstream.spec();
		long started = this.nanoTime.getAsLong();
		ServerHttpRequest request = exchange.getRequest();
		if (spec.tries() < 2 || !(spec.retryOn().nonIdempotent() || IDEMPOTENT.contains(request.getMethod()))) {
			return attempt(exchange, chain, url, spec, 1, 1, started);
		}
		HttpHeaders headers = request.getHeaders();
		long length = headers.getContentLength();
		boolean chunked = headers.containsHeader(HttpHeaders.TRANSFER_ENCODING);
		if (!chunked && length <= 0) {
			return attempt(exchange, chain, url, spec, 1, spec.tries(), started);
		}
		if (chunked || length > MAX_REPLAYED_BODY) {
			return attempt(exchange, chain, url, spec, 1, 1, started);
		}
		// Keep the body as bytes (no pooled buffer to release), and give every attempt a fresh copy of it.
		return DataBufferUtils.join(request.getBody(), MAX_REPLAYED_BODY)
			.map(UpstreamRetryFilter::bytes)
			.defaultIfEmpty(new byte[0])
			.flatMap(body -> {
				ServerWebExchange replayable = exchange.mutate().request(new ReplayedBody(request, body)).build();
				return attempt(replayable, chain, url, spec, 1, spec.tries(), started);
			});
	}

	private static byte[] bytes(DataBuffer buffer) {
		try {
			byte[] bytes = new byte[buffer.readableByteCount()];
			buffer.read(bytes);
			return bytes;
		}
		finally {
			DataBufferUtils.release(buffer);
		}
	}

	/** A request whose body, read once, can be sent again. */
	private static final class ReplayedBody extends ServerHttpRequestDecorator {

		private final byte[] body;

		ReplayedBody(ServerHttpRequest request, byte[] body) {
			super(request);
			this.body = body;
		}

		@Override
		public Flux<DataBuffer> getBody() {
			return Flux.defer(() -> Flux.just(DefaultDataBufferFactory.sharedInstance.wrap(this.body)));
		}

	}

	private Mono<Void> attempt(ServerWebExchange exchange, GatewayFilterChain chain, URI url, UpstreamSpec spec,
			int attempt, int tries, long started) {
		// The load balancer filter replaced lb://name with the chosen server's URL: restore it for a new choice.
		exchange.getAttributes().put(ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR, url);
		return chain.filter(exchange).then(Mono.defer(() -> {
			HttpStatusCode status = exchange.getResponse().getStatusCode();
			if (status != null && spec.retryOn().statuses().contains(status.value())
					&& mayRetry(exchange, spec, attempt, tries, started)) {
				discard(exchange);
				return attempt(exchange, chain, url, spec, attempt + 1, tries, started);
			}
			return Mono.<Void>empty();
		})).onErrorResume(error -> {
			if (error instanceof NotFoundException) {
				return Mono.error(error);
			}
			UpstreamFailure failure = UpstreamFailure.of(error);
			boolean listed = (failure.kind() == UpstreamFailure.Kind.CONNECT && spec.retryOn().connectFailure())
					|| (failure.kind() == UpstreamFailure.Kind.TIMEOUT && spec.retryOn().timeout());
			if (listed && mayRetry(exchange, spec, attempt, tries, started)) {
				discard(exchange);
				return attempt(exchange, chain, url, spec, attempt + 1, tries, started);
			}
			return Mono.error(switch (failure.kind()) {
				case CONNECT -> new ResponseStatusException(HttpStatus.BAD_GATEWAY,
						"upstream " + spec.name() + ": " + failure.reason(), error);
				case TIMEOUT -> new ResponseStatusException(HttpStatus.GATEWAY_TIMEOUT,
						"upstream " + spec.name() + ": " + failure.reason(), error);
				case OTHER -> error;
			});
		});
	}

	private boolean mayRetry(ServerWebExchange exchange, UpstreamSpec spec, int attempt, int tries, long started) {
		if (attempt >= tries || exchange.getResponse().isCommitted()) {
			return false;
		}
		long budget = spec.tryTimeout().toNanos();
		return budget == 0 || this.nanoTime.getAsLong() - started < budget;
	}

	// Forget the failed attempt: remember its server as failed for this request, close the connection of its
	// answer (its body is never read), and drop the headers it added.
	private static void discard(ServerWebExchange exchange) {
		Response<ServiceInstance> chosen = exchange
			.getAttribute(ServerWebExchangeUtils.GATEWAY_LOADBALANCER_RESPONSE_ATTR);
		if (chosen != null && chosen.getServer() instanceof UpstreamServiceInstance instance) {
			RestyLoadBalancer.rememberFailed(exchange.getAttributes(), instance.server().id());
		}
		Connection connection = exchange.getAttributes().remove(ServerWebExchangeUtils.CLIENT_RESPONSE_CONN_ATTR) instanceof Connection c
				? c : null;
		if (connection != null) {
			connection.dispose();
		}
		exchange.getAttributes().remove(ServerWebExchangeUtils.CLIENT_RESPONSE_ATTR);
		ServerWebExchangeUtils.reset(exchange);
	}

}
