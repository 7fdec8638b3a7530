package io.restygateway.compress;

import java.util.List;

import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.NettyWriteResponseFilter;
import org.springframework.cloud.gateway.filter.factory.AbstractGatewayFilterFactory;
import org.springframework.core.Ordered;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferFactory;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;
import org.springframework.util.unit.DataSize;
import org.springframework.web.server.ServerWebExchange;

import io.restygateway.core.RouteConfig;

/**
 * {@code Base64}: base64-nginx-module as a route filter. An answer of status 200, 403 or 404 with no
 * Content-Encoding, not longer than {@code max-length} by its Content-Length (an answer of unknown length is always
 * encoded), becomes {@code text/plain} with {@code Content-Transfer-Encoding: base64}: the standard alphabet with
 * padding, a CRLF after every 76 characters and after a final partial line.
 * <pre>
 * filters:
 *   - name: Base64
 *     args: {max-length: 1MB}
 * </pre>
 * Shortcut: {@code Base64=1048576}. Beyond nginx, Accept-Ranges is dropped and the ETag weakened, since the bytes
 * changed.
 */
public class Base64GatewayFilterFactory extends AbstractGatewayFilterFactory<Base64GatewayFilterFactory.Config> {

	/** The filter's name in route definitions. */
	public static final String NAME = "Base64";

	/** Its order: below {@link NettyWriteResponseFilter}, and above Zstd's, so that it encodes first. */
	public static final int ORDER = NettyWriteResponseFilter.WRITE_RESPONSE_FILTER_ORDER - 1;

	/** The header naming the transfer encoding of the body, as MIME does. */
	public static final String CONTENT_TRANSFER_ENCODING = "Content-Transfer-Encoding";

	public Base64GatewayFilterFactory() {
		super(Config.class);
	}

	@Override
	public String name() {
		return NAME;
	}

	@Override
	public List<String> shortcutFieldOrder() {
		return List.of("max-length");
	}

	@Override
	public GatewayFilter apply(Config config) {
		if (config.getMaxLength() == null || config.getMaxLength().isNegative()) {
			throw new IllegalArgumentException(NAME + " on route '" + config.getRouteId()
					+ "': max-length: must not be negative, was " + config.getMaxLength());
		}
		long maxLength = config.getMaxLength().toBytes();
		return new Base64Filter(maxLength);
	}

	static final class Base64Filter implements GatewayFilter, Ordered {

		private final long maxLength;

		Base64Filter(long maxLength) {
			this.maxLength = maxLength;
		}

		@Override
		public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
			return chain.filter(exchange.mutate().response(new Base64Response(exchange, this.maxLength)).build());
		}

		@Override
		public int getOrder() {
			return ORDER;
		}

		@Override
		public String toString() {
			return NAME + "{max-length=" + this.maxLength + "}";
		}

	}

	static final class Base64Response extends ServerHttpResponseDecorator {

		private final ServerWebExchange exchange;

		private final long maxLength;

		Base64Response(ServerWebExchange exchange, long maxLength) {
			super(exchange.getResponse());
			this.exchange = exchange;
			this.maxLength = maxLength;
		}

		private boolean encodes() {
			HttpHeaders headers = getHeaders();
			if (!EncodedResponses.encodable(getStatusCode(), headers)) {
				return false;
			}
			long length = headers.getContentLength();
			if (length > this.maxLength) {
				return false;
			}
			headers.setContentType(MediaType.TEXT_PLAIN);
			headers.set(CONTENT_TRANSFER_ENCODING, "base64");
			if (length >= 0) {
				headers.setContentLength(Base64Lines.encodedLength(length));
			}
			EncodedResponses.bytesChanged(headers);
			return true;
		}

		@Override
		public Mono<Void> writeWith(Publisher<? extends DataBuffer> body) {
			if (!encodes()) {
				return super.writeWith(body);
			}
			if (EncodedResponses.headersOnly(this.exchange.getRequest())) {
				return super.writeWith(Flux.from(body).doOnNext(DataBufferUtils::release).thenMany(Flux.empty()));
			}
			return super.writeWith(encode(Flux.from(body)));
		}

		@Override
		public Mono<Void> writeAndFlushWith(Publisher<? extends Publisher<? extends DataBuffer>> body) {
			if (!encodes()) {
				return super.writeAndFlushWith(body);
			}
			// Still a streamed answer for what comes after (a Zstd filter flushes each chunk of a streamed answer
			// only), but as one group: a group per buffer, queued or in flight when the client leaves, was seen to
			// strand its buffer. Reactor Netty flushes inside a group whenever nothing more is waiting.
			return super.writeAndFlushWith(Mono.just(encode(EncodedResponses.flatten(body))));
		}

		private Flux<DataBuffer> encode(Flux<? extends DataBuffer> body) {
			DataBufferFactory factory = bufferFactory();
			return Flux.defer(() -> {
				Base64Lines lines = new Base64Lines();
				return body.<DataBuffer>handle((chunk, sink) -> {
					try {
						int length = chunk.readableByteCount();
						byte[] in = new byte[length];
						chunk.read(in);
						byte[] out = new byte[lines.maxEncodedLength(length)];
						int written = lines.encode(in, 0, length, out, 0);
						if (written > 0) {
							sink.next(factory.wrap(java.nio.ByteBuffer.wrap(out, 0, written)));
						}
					}
					finally {
						DataBufferUtils.release(chunk);
					}
				}).concatWith(Mono.fromSupplier(() -> lines.finish()).filter(last -> last.length > 0).map(factory::wrap));
			}).doOnDiscard(Object.class, EncodedResponses::discard);
		}

	}

	/** The filter's arguments. */
	public static class Config extends RouteConfig {

		private DataSize maxLength = DataSize.ofBytes(1_048_576);

		public DataSize getMaxLength() {
			return this.maxLength;
		}

		public Config setMaxLength(DataSize maxLength) {
			this.maxLength = maxLength;
			return this;
		}

	}

}
