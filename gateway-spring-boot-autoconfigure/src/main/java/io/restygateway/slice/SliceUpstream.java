package io.restygateway.slice;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;
import reactor.netty.Connection;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.HttpClientResponse;

import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.NettyDataBufferFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.web.server.ServerWebExchange;

/**
 * Asks the upstream for one slice, with the client's headers as Spring Cloud Gateway would send them (its header
 * filters, Host kept or not as the route says) except the conditional and range headers, which the gateway
 * evaluates itself against the object, and Accept-Encoding, so that ranges are of the identity bytes.
 * <p>
 * Slice requests go on connections of the client connection's own event loop: the upstream's answer is read, checked
 * and written to the client on one thread, with no hand-over between loops for each slice. Spring Cloud Gateway's
 * client keeps one pool per remote address and hands an idle connection of any loop to any request; here each loop
 * has its own pool in that same connection provider (a pool is keyed by the loop resources too), with the client's
 * settings otherwise as they are.
 */
final class SliceUpstream {

	private static final List<String> OWN_HEADERS = List.of(HttpHeaders.RANGE, HttpHeaders.IF_RANGE,
			HttpHeaders.IF_MATCH, HttpHeaders.IF_NONE_MATCH, HttpHeaders.IF_MODIFIED_SINCE,
			HttpHeaders.IF_UNMODIFIED_SINCE, HttpHeaders.ACCEPT_ENCODING, HttpHeaders.CONTENT_LENGTH);

	private final HttpClient client;

	private final Map<EventLoop, HttpClient> perLoop = new ConcurrentHashMap<>();

	private final List<HttpHeadersFilter> headersFilters;

	SliceUpstream(HttpClient client, List<HttpHeadersFilter> headersFilters) {
		this.client = client;
		this.headersFilters = headersFilters;
	}

	/**
	 * An upstream answer whose body has not been read yet: read it with {@link #body}, or {@link #discard} it.
	 * @param status the status
	 * @param headers the headers, filtered as Spring Cloud Gateway filters response headers
	 * @param connection the connection the body comes on
	 */
	record Answer(int status, HttpHeaders headers, Connection connection) {

		Flux<DataBuffer> body(NettyDataBufferFactory factory) {
			return chunks().<DataBuffer>map(factory::wrap);
		}

		/** @return the body's buffers as they come, each with a reference the subscriber must release */
		Flux<ByteBuf> chunks() {
			return this.connection.inbound().receive().retain().doFinally(signal -> {
				if (signal != SignalType.ON_COMPLETE) {
					// Cut short (a client that left, a range that ended): the connection cannot be reused.
					this.connection.dispose();
				}
			});
		}

		void discard() {
			this.connection.dispose();
		}

	}

	Mono<Answer> fetch(ServerWebExchange exchange, URI url, String range) {
		HttpHeaders filtered = HttpHeadersFilter.filterRequest(this.headersFilters, exchange);
		OWN_HEADERS.forEach(filtered::remove);
		boolean preserveHost = exchange.getAttributeOrDefault(ServerWebExchangeUtils.PRESERVE_HOST_HEADER_ATTRIBUTE,
				false);
		String host = exchange.getRequest().getHeaders().getFirst(HttpHeaders.HOST);
		filtered.remove(HttpHeaders.HOST);
		DefaultHttpHeaders headers = new DefaultHttpHeaders();
		filtered.forEach(headers::set);
		if (preserveHost && host != null) {
			headers.set(HttpHeaders.HOST, host);
		}
		headers.set(HttpHeaders.RANGE, range);
		return client(exchange).headers(h -> h.set(headers))
			.get()
			.uri(url)
			.responseConnection((response, connection) -> Mono.just(answer(exchange, response, connection)))
			.next();
	}

	/**
	 * @return the client whose connections live on the event loop of the exchange's own connection, or the shared
	 * client when the exchange does not come on a Reactor Netty connection
	 */
	HttpClient client(ServerWebExchange exchange) {
		Object nativeRequest;
		try {
			nativeRequest = ServerHttpRequestDecorator.getNativeRequest(exchange.getRequest());
		}
		catch (IllegalArgumentException | IllegalStateException ex) {
			// Not a request a server made (a test's mock, a request of another kind).
			return this.client;
		}
		if (nativeRequest instanceof Connection connection) {
			return this.perLoop.computeIfAbsent(connection.channel().eventLoop(), this.client::runOn);
		}
		return this.client;
	}

	private Answer answer(ServerWebExchange exchange, HttpClientResponse response, Connection connection) {
		HttpHeaders raw = new HttpHeaders();
		response.responseHeaders().forEach(entry -> raw.add(entry.getKey(), entry.getValue()));
		HttpHeaders headers = HttpHeadersFilter.filter(this.headersFilters, raw, exchange,
				HttpHeadersFilter.Type.RESPONSE);
		return new Answer(response.status().code(), headers, connection);
	}

}
