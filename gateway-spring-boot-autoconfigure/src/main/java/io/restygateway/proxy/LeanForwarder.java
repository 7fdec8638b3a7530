package io.restygateway.proxy;

import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;
import reactor.netty.Connection;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.HttpClientResponse;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter;
import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter.Type;
import org.springframework.cloud.gateway.filter.headers.TrailerHeadersFilter;
import org.springframework.cloud.gateway.support.TimeoutException;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferFactory;
import org.springframework.core.io.buffer.DefaultDataBuffer;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.core.io.buffer.NettyDataBuffer;
import org.springframework.core.io.buffer.NettyDataBufferFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.AbstractServerHttpRequest;
import org.springframework.http.server.reactive.AbstractServerHttpResponse;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.util.StringUtils;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.util.UriComponentsBuilder;

import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.CACHED_REQUEST_BODY_ATTR;
import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.CLIENT_RESPONSE_ATTR;
import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.CLIENT_RESPONSE_CONN_ATTR;
import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.CLIENT_RESPONSE_HEADER_NAMES;
import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR;
import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.ORIGINAL_RESPONSE_CONTENT_TYPE_ATTR;
import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.PRESERVE_HOST_HEADER_ATTRIBUTE;
import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.containsEncodedParts;
import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.isAlreadyRouted;
import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.setAlreadyRouted;

/**
 * Forwards a request of a lean route: what Spring Cloud Gateway's {@code RouteToRequestUrlFilter},
 * {@code NettyRoutingFilter} and {@code NettyWriteResponseFilter} do for it, in that order and with the same exchange
 * attributes, without the chain between them.
 * <p>
 * With only the stock header filters in the context ({@link HeaderRules}) the headers are copied once, Netty to
 * Netty; with any other header filter (trusted proxies' {@code X-Forwarded-*}, observability, one of the user's)
 * they go through the filters exactly as Spring Cloud Gateway sends them. When the request and the answer are the
 * server's own, not wrapped by a web filter, the request body and the answer headers are taken from and given to
 * Reactor Netty directly.
 */
final class LeanForwarder {

	private static final String REACTOR_REQUEST = "org.springframework.http.server.reactive.ReactorServerHttpRequest";

	private static final String REACTOR_RESPONSE = "org.springframework.http.server.reactive.ReactorServerHttpResponse";

	private final @Nullable HeaderRules rules;

	private final List<HttpHeadersFilter> headersFilters;

	private final List<MediaType> streamingMediaTypes;

	/**
	 * @param rules the stock header filters in one pass, or {@code null} to run {@code headersFilters} as they are
	 * @param headersFilters every header filter of the context, in their order
	 * @param streamingMediaTypes the answer types written with a flush per buffer
	 */
	LeanForwarder(@Nullable HeaderRules rules, List<HttpHeadersFilter> headersFilters,
			List<MediaType> streamingMediaTypes) {
		this.rules = rules;
		this.headersFilters = List.copyOf(headersFilters);
		this.streamingMediaTypes = List.copyOf(streamingMediaTypes);
	}

	/** @return whether the header filters run as one pass ({@code false}: one by one, as configured) */
	boolean inlineHeaders() {
		return this.rules != null;
	}

	/**
	 * Whether a request matched to a lean route can be forwarded here. Not when something the global filters would
	 * act on is there: a body a predicate cached, a WebSocket upgrade, a gRPC call (trailers), or a request already
	 * routed.
	 */
	boolean accepts(ServerWebExchange exchange) {
		if (isAlreadyRouted(exchange) || exchange.getAttributes().containsKey(CACHED_REQUEST_BODY_ATTR)) {
			return false;
		}
		HttpHeaders headers = exchange.getRequest().getHeaders();
		if ("websocket".equalsIgnoreCase(headers.getFirst(HttpHeaders.UPGRADE))) {
			return false;
		}
		return !StringUtils.startsWithIgnoreCase(headers.getFirst(HttpHeaders.CONTENT_TYPE), "application/grpc");
	}

	Mono<Void> forward(ServerWebExchange exchange, LeanRoute route) {
		ServerHttpRequest request = exchange.getRequest();
		URI uri = request.getURI();
		URI routeUri = route.route().getUri();
		// RouteToRequestUrlFilter
		URI url = UriComponentsBuilder.fromUri(uri)
			.scheme(routeUri.getScheme())
			.host(routeUri.getHost())
			.port(routeUri.getPort())
			.build(containsEncodedParts(uri))
			.toUri();
		exchange.getAttributes().put(GATEWAY_REQUEST_URL_ATTR, url);
		HttpClient client = route.client();
		if (client == null) {
			throw new IllegalStateException("route " + route.route().getId() + " is not lean: " + route.reason());
		}
		// NettyWriteResponseFilter
		return send(exchange, url, client, route.responseTimeout()).then(Mono.defer(() -> write(exchange)))
			.doFinally(signal -> {
				if (signal == SignalType.CANCEL || signal == SignalType.ON_ERROR) {
					Connection connection = exchange.getAttribute(CLIENT_RESPONSE_CONN_ATTR);
					if (connection != null) {
						connection.dispose();
					}
				}
			});
	}

	/**
	 * {@code NettyRoutingFilter}'s part alone, for a request in Spring Cloud Gateway's filter chain: the upstream's
	 * answer head on the exchange, its body left to {@code NettyWriteResponseFilter} as the stock filter leaves it.
	 * @param exchange the exchange, its request URL resolved by the filters before
	 * @param url the request URL
	 * @param client the HTTP client, with the route's connect timeout
	 * @param timeout the route's response timeout, or {@code null}
	 * @return completes once the answer head is on the exchange
	 */
	Mono<Void> route(ServerWebExchange exchange, URI url, HttpClient client, @Nullable Duration timeout) {
		return send(exchange, url, client, timeout).then();
	}

	/** What NettyRoutingFilter does: the request to the upstream, then its answer head onto the exchange. */
	private Flux<HttpClientResponse> send(ServerWebExchange exchange, URI url, HttpClient client,
			@Nullable Duration timeout) {
		ServerHttpRequest request = exchange.getRequest();
		setAlreadyRouted(exchange);
		HttpMethod method = HttpMethod.valueOf(request.getMethod().name());
		boolean preserveHost = exchange.getAttributeOrDefault(PRESERVE_HOST_HEADER_ATTRIBUTE, false);
		String host = preserveHost ? request.getHeaders().getFirst(HttpHeaders.HOST) : null;
		HttpServerRequest server = request.getClass().getName().equals(REACTOR_REQUEST)
				? ((AbstractServerHttpRequest) request).getNativeRequest() : null;
		HeaderRules rules = this.rules;
		Flux<HttpClientResponse> responses;
		if (rules != null) {
			io.netty.handler.codec.http.HttpHeaders sent = rules.request(
					server != null ? server.requestHeaders() : nettyHeaders(request.getHeaders()), null);
			responses = client.request(method).uri(ascii(url)).send((req, outbound) -> {
				// HttpClient set the upstream's Host, its User-Agent and Accept when they were missing, and chose
				// the framing, from no headers; these are the client's, as NettyRoutingFilter hands them over.
				req.headers(sent);
				if (chunked(method, sent)) {
					// The framing HttpClient chooses from the headers it is given (its chunkedTransfer), which
					// replacing them undid.
					req.header(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
				}
				if (host != null) {
					req.header(HttpHeaderNames.HOST, host);
				}
				if (!sent.contains(HttpHeaderNames.USER_AGENT)) {
					req.header(HttpHeaderNames.USER_AGENT, HttpClient.USER_AGENT);
				}
				if (!sent.contains(HttpHeaderNames.ACCEPT)) {
					req.header(HttpHeaderNames.ACCEPT, "*/*");
				}
				return outbound.send(server != null ? server.receive().retain() : request.getBody().map(LeanForwarder::byteBuf));
			}).responseConnection((res, connection) -> Mono.just(answer(exchange, res, connection, rules)));
		}
		else {
			HttpHeaders filtered = HttpHeadersFilter.filterRequest(this.headersFilters, exchange);
			DefaultHttpHeaders sent = new DefaultHttpHeaders();
			filtered.forEach(sent::set);
			responses = client.headers(headers -> {
				headers.add(sent);
				headers.remove(HttpHeaders.HOST);
				if (host != null) {
					headers.add(HttpHeaders.HOST, host);
				}
			})
				.request(method)
				.uri(ascii(url))
				.send((req, outbound) -> outbound
					.send(server != null ? server.receive().retain() : request.getBody().map(LeanForwarder::byteBuf)))
				.responseConnection((res, connection) -> Mono.just(answer(exchange, res, connection)));
		}
		if (timeout != null) {
			responses = responses
				.timeout(timeout,
						Mono.defer(() -> Mono.error(new TimeoutException("Response took longer than timeout: " + timeout))))
				.onErrorMap(TimeoutException.class,
						ex -> new ResponseStatusException(HttpStatus.GATEWAY_TIMEOUT, ex.getMessage(), ex));
		}
		return responses;
	}

	/**
	 * The URL as NettyRoutingFilter sends it ({@code toASCIIString()}): a path that a filter gave characters outside
	 * ASCII ({@code PrefixPath=/café}) goes out percent-encoded, not as raw UTF-8 bytes in the request line.
	 */
	static URI ascii(URI url) {
		String text = url.toString();
		for (int i = 0; i < text.length(); i++) {
			if (text.charAt(i) > 0x7F) {
				return URI.create(url.toASCIIString());
			}
		}
		return url;
	}

	/** As HttpClient: a body without a length is sent chunked, but for GET, HEAD and DELETE, which get no framing. */
	private static boolean chunked(HttpMethod method, io.netty.handler.codec.http.HttpHeaders sent) {
		return !sent.contains(HttpHeaderNames.CONTENT_LENGTH) && !HttpMethod.GET.equals(method)
				&& !HttpMethod.HEAD.equals(method) && !HttpMethod.DELETE.equals(method);
	}

	/** The upstream's answer head, through the stock header rules, onto the client's answer. */
	private HttpClientResponse answer(ServerWebExchange exchange, HttpClientResponse res, Connection connection,
			HeaderRules rules) {
		Map<String, Object> attributes = exchange.getAttributes();
		attributes.put(CLIENT_RESPONSE_ATTR, res);
		attributes.put(CLIENT_RESPONSE_CONN_ATTR, connection);
		io.netty.handler.codec.http.HttpHeaders upstream = res.responseHeaders();
		String contentType = upstream.get(HttpHeaderNames.CONTENT_TYPE);
		if (StringUtils.hasLength(contentType)) {
			attributes.put(ORIGINAL_RESPONSE_CONTENT_TYPE_ATTR, contentType);
		}
		ServerHttpResponse response = exchange.getResponse();
		response.setStatusCode(HttpStatusCode.valueOf(res.status().code()));
		Set<String> names = new LinkedHashSet<>();
		boolean[] framing = new boolean[2];
		if (response.isCommitted()) {
			// As NettyRoutingFilter: a filter before committed the answer already, its headers can no longer change.
			rules.response(upstream, (name, value) -> kept(names, framing, name));
		}
		else if (response.getClass().getName().equals(REACTOR_RESPONSE)) {
			io.netty.handler.codec.http.HttpHeaders target = ((HttpServerResponse) ((AbstractServerHttpResponse) response)
				.getNativeResponse()).responseHeaders();
			rules.response(upstream, (name, value) -> {
				target.add(name, value);
				kept(names, framing, name);
			});
		}
		else {
			HttpHeaders target = response.getHeaders();
			rules.response(upstream, (name, value) -> {
				target.add(name, value);
				kept(names, framing, name);
			});
		}
		if (!framing[0] && framing[1] && !response.isCommitted()) {
			// As NettyRoutingFilter: never both a Transfer-Encoding and a Content-Length.
			response.getHeaders().remove(HttpHeaders.TRANSFER_ENCODING);
		}
		attributes.put(CLIENT_RESPONSE_HEADER_NAMES, names);
		return res;
	}

	private static void kept(Set<String> names, boolean[] framing, String name) {
		names.add(name);
		if (HttpHeaderNames.TRANSFER_ENCODING.contentEqualsIgnoreCase(name)) {
			framing[0] = true;
		}
		else if (HttpHeaderNames.CONTENT_LENGTH.contentEqualsIgnoreCase(name)) {
			framing[1] = true;
		}
	}

	/** The upstream's answer head, as NettyRoutingFilter puts it through the header filters one by one. */
	private HttpClientResponse answer(ServerWebExchange exchange, HttpClientResponse res, Connection connection) {
		exchange.getAttributes().put(CLIENT_RESPONSE_ATTR, res);
		exchange.getAttributes().put(CLIENT_RESPONSE_CONN_ATTR, connection);
		ServerHttpResponse response = exchange.getResponse();
		HttpHeaders headers = new HttpHeaders();
		res.responseHeaders().forEach(entry -> headers.add(entry.getKey(), entry.getValue()));
		String contentType = headers.getFirst(HttpHeaders.CONTENT_TYPE);
		if (StringUtils.hasLength(contentType)) {
			exchange.getAttributes().put(ORIGINAL_RESPONSE_CONTENT_TYPE_ATTR, contentType);
		}
		response.setStatusCode(HttpStatusCode.valueOf(res.status().code()));
		HttpHeaders filtered = HttpHeadersFilter.filter(this.headersFilters, headers, exchange, Type.RESPONSE);
		if (!filtered.containsHeader(HttpHeaders.TRANSFER_ENCODING)
				&& filtered.containsHeader(HttpHeaders.CONTENT_LENGTH)) {
			// As NettyRoutingFilter: the answer's headers lose the chunked framing the server's answer starts with.
			response.getHeaders().remove(HttpHeaders.TRANSFER_ENCODING);
		}
		exchange.getAttributes().put(CLIENT_RESPONSE_HEADER_NAMES, filtered.headerNames());
		if (!response.isCommitted()) {
			response.getHeaders().addAll(filtered);
		}
		return res;
	}

	/** The upstream's body to the client, then its trailers, as NettyWriteResponseFilter writes them. */
	private Mono<Void> write(ServerWebExchange exchange) {
		Connection connection = exchange.getAttribute(CLIENT_RESPONSE_CONN_ATTR);
		if (connection == null) {
			return Mono.empty();
		}
		ServerHttpResponse response = exchange.getResponse();
		DataBufferFactory factory = response.bufferFactory();
		Flux<DataBuffer> body = connection.inbound().receive().retain().map(buffer -> wrap(buffer, factory));
		Mono<Void> written = isStreaming(response) ? response.writeAndFlushWith(body.map(Flux::just))
				: response.writeWith(body);
		HttpClientResponse upstream = exchange.getAttribute(CLIENT_RESPONSE_ATTR);
		if (upstream == null || (this.rules != null && !mayHaveTrailers(upstream))) {
			return written;
		}
		return written.then(TrailerHeadersFilter.filter(this.headersFilters, exchange, upstream)).then();
	}

	/** Trailers come after a chunked HTTP/1.1 body, or on HTTP/2; a body framed by its length has none. */
	private static boolean mayHaveTrailers(HttpClientResponse upstream) {
		if (!HttpVersion.HTTP_1_1.equals(upstream.version()) && !HttpVersion.HTTP_1_0.equals(upstream.version())) {
			return true;
		}
		return upstream.responseHeaders().containsValue(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED, true);
	}

	private boolean isStreaming(ServerHttpResponse response) {
		if (this.streamingMediaTypes.isEmpty() || response.getHeaders().getFirst(HttpHeaders.CONTENT_TYPE) == null) {
			return false;
		}
		MediaType contentType;
		try {
			contentType = response.getHeaders().getContentType();
		}
		catch (RuntimeException ex) {
			return false;
		}
		if (contentType == null) {
			return false;
		}
		for (MediaType streaming : this.streamingMediaTypes) {
			if (streaming.isCompatibleWith(contentType)) {
				return true;
			}
		}
		return false;
	}

	private static DataBuffer wrap(ByteBuf buffer, DataBufferFactory factory) {
		if (factory instanceof NettyDataBufferFactory netty) {
			return netty.wrap(buffer);
		}
		if (factory instanceof DefaultDataBufferFactory plain) {
			DataBuffer copy = plain.allocateBuffer(buffer.readableBytes());
			copy.write(buffer.nioBuffer());
			buffer.release();
			return copy;
		}
		buffer.release();
		throw new IllegalArgumentException("Unknown DataBufferFactory type " + factory.getClass());
	}

	private static ByteBuf byteBuf(DataBuffer buffer) {
		if (buffer instanceof NettyDataBuffer netty) {
			return netty.getNativeBuffer();
		}
		if (buffer instanceof DefaultDataBuffer plain) {
			return Unpooled.wrappedBuffer(plain.getNativeBuffer());
		}
		throw new IllegalArgumentException("Unable to handle DataBuffer of type " + buffer.getClass());
	}

	private static io.netty.handler.codec.http.HttpHeaders nettyHeaders(HttpHeaders headers) {
		DefaultHttpHeaders copy = new DefaultHttpHeaders(false);
		headers.forEach((name, values) -> {
			for (String value : values) {
				copy.add(name, value);
			}
		});
		return copy;
	}

}
