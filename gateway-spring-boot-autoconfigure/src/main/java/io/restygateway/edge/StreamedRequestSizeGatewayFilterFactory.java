package io.restygateway.edge;

import java.util.List;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.factory.RequestSizeGatewayFilterFactory;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;

import static org.springframework.cloud.gateway.support.GatewayToStringStyler.filterToStringCreator;

/**
 * Spring Cloud Gateway's {@code RequestSize}, made to hold for a body that has no length too. SCG's filter looks only
 * at {@code Content-Length}: a chunked upload (or an HTTP/2 one without the header) of any size passed it and reached
 * the upstream whole. This one keeps SCG's check for a request with a length, and counts the bytes of one without as
 * they are streamed to the upstream: the piece that takes the body over {@code maxSize} is not sent, the upstream
 * request fails (Reactor Netty closes that connection, so the upstream never sees the body end), and the client gets
 * a 413 with {@code Connection: close}, its unread body left unread. If the upstream has already answered and the
 * answer is on its way, the client connection is cut instead.
 * <p>
 * Same name, same argument ({@code maxSize}, default 5 MB, now also as the shortcut), same {@code errorMessage}
 * header: it takes the place of SCG's bean ({@link RequestSizeFilterReplacement}), so routes keep
 * {@code RequestSize} as they are.
 */
public class StreamedRequestSizeGatewayFilterFactory extends RequestSizeGatewayFilterFactory {

	/** The filter's name in a route, SCG's. */
	public static final String NAME = "RequestSize";

	@Override
	public String name() {
		return NAME;
	}

	/**
	 * SCG's factory has no shortcut: {@code RequestSize=1MB} bound nothing and left the 5 MB default in force,
	 * silently. Here it sets {@code maxSize}.
	 */
	@Override
	public List<String> shortcutFieldOrder() {
		return List.of("maxSize");
	}

	@Override
	public GatewayFilter apply(RequestSizeConfig config) {
		GatewayFilter withLength = super.apply(config);
		long max = config.getMaxSize().toBytes();
		return new GatewayFilter() {

			@Override
			public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
				ServerHttpRequest request = exchange.getRequest();
				if (request.getHeaders().containsHeader(HttpHeaders.CONTENT_LENGTH)) {
					return withLength.filter(exchange, chain);
				}
				ServerWebExchange limited = exchange.mutate().request(new LimitedBody(request, max)).build();
				return chain.filter(limited).onErrorResume(ex -> {
					RequestBodyTooLargeException tooLarge = tooLarge(ex);
					return tooLarge != null ? refuse(limited, tooLarge) : Mono.error(ex);
				});
			}

			@Override
			public String toString() {
				return filterToStringCreator(StreamedRequestSizeGatewayFilterFactory.this)
					.append("max", config.getMaxSize())
					.toString();
			}

		};
	}

	private static RequestBodyTooLargeException tooLarge(Throwable error) {
		for (Throwable cause = error; cause != null; cause = cause.getCause()) {
			if (cause instanceof RequestBodyTooLargeException tooLarge) {
				return tooLarge;
			}
		}
		return null;
	}

	private static Mono<Void> refuse(ServerWebExchange exchange, RequestBodyTooLargeException error) {
		ServerHttpResponse response = exchange.getResponse();
		if (response.isCommitted()) {
			// The upstream's answer is on its way: cutting the connection is the only honest end.
			return Mono.error(error);
		}
		response.setStatusCode(HttpStatus.CONTENT_TOO_LARGE);
		HttpHeaders headers = response.getHeaders();
		// What an upstream answer that came first may have put there describes a body that will not follow.
		headers.remove(HttpHeaders.CONTENT_LENGTH);
		headers.remove(HttpHeaders.TRANSFER_ENCODING);
		headers.remove(HttpHeaders.CONTENT_TYPE);
		headers.remove(HttpHeaders.CONTENT_ENCODING);
		headers.set("errorMessage", error.getReason());
		// The rest of the body was never read: the next bytes on this connection are not a request.
		headers.set(HttpHeaders.CONNECTION, "close");
		return response.setComplete();
	}

	/** The request, its body counted as it is read. */
	private static final class LimitedBody extends ServerHttpRequestDecorator {

		private final long max;

		LimitedBody(ServerHttpRequest request, long max) {
			super(request);
			this.max = max;
		}

		@Override
		public Flux<DataBuffer> getBody() {
			Flux<DataBuffer> body = super.getBody();
			return Flux.defer(() -> {
				ByteBudget budget = new ByteBudget(this.max);
				return body.handle((buffer, sink) -> {
					if (budget.take(buffer.readableByteCount())) {
						sink.next(buffer);
					}
					else {
						DataBufferUtils.release(buffer);
						sink.error(new RequestBodyTooLargeException(budget.seen(), this.max));
					}
				});
			});
		}

	}

}
