package io.restygateway.compress;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdDictCompress;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.NettyWriteResponseFilter;
import org.springframework.cloud.gateway.filter.factory.AbstractGatewayFilterFactory;
import org.springframework.core.Ordered;
import org.springframework.core.io.Resource;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferFactory;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;
import org.springframework.util.unit.DataSize;
import org.springframework.web.server.ServerWebExchange;

import io.restygateway.core.RouteConfig;

/**
 * {@code Zstd}: zstd-nginx-module as a route filter. An answer of status 200, 403 or 404, with no Content-Encoding
 * of its own, of a listed type and not known to be shorter than {@code min-length}, is compressed for a client whose
 * Accept-Encoding takes zstd (q-values honoured), as one zstd frame flushed per upstream chunk.
 * <pre>
 * filters:
 *   - name: Zstd
 *     args: {level: 1, min-length: 20, types: text/html, dictionary: file:/etc/gw/dict.zst}
 * </pre>
 * Shortcut: {@code Zstd=LEVEL,MIN-LENGTH}. An upstream that already answers zstd to a client that does not take it
 * is decoded for that client.
 */
public class ZstdGatewayFilterFactory extends AbstractGatewayFilterFactory<ZstdGatewayFilterFactory.Config> {

	/** The filter's name in route definitions. */
	public static final String NAME = "Zstd";

	/**
	 * Its order: below {@link NettyWriteResponseFilter#WRITE_RESPONSE_FILTER_ORDER}, so that it sees the body, and
	 * below Base64's, so that on a route with both, Base64 encodes first and Zstd compresses the text.
	 */
	public static final int ORDER = NettyWriteResponseFilter.WRITE_RESPONSE_FILTER_ORDER - 2;

	private final ObjectProvider<MeterRegistry> meters;

	/**
	 * @param meters where the compression ratio is recorded, when there is a registry
	 */
	public ZstdGatewayFilterFactory(ObjectProvider<MeterRegistry> meters) {
		super(Config.class);
		this.meters = meters;
	}

	@Override
	public String name() {
		return NAME;
	}

	@Override
	public List<String> shortcutFieldOrder() {
		return List.of("level", "min-length");
	}

	@Override
	public GatewayFilter apply(Config config) {
		String route = config.getRouteId() == null ? "" : config.getRouteId();
		try {
			int level = config.getLevel();
			if (level == 0 || level < Zstd.minCompressionLevel() || level > Zstd.maxCompressionLevel()) {
				throw new IllegalArgumentException("level: must be from " + Zstd.minCompressionLevel() + " to "
						+ Zstd.maxCompressionLevel() + " and not 0, was " + level);
			}
			if (config.getMinLength() == null || config.getMinLength().isNegative()) {
				throw new IllegalArgumentException("min-length: must not be negative, was " + config.getMinLength());
			}
			ContentTypes types;
			try {
				types = ContentTypes.of(config.getTypes());
			}
			catch (IllegalArgumentException ex) {
				throw new IllegalArgumentException("types: " + ex.getMessage(), ex);
			}
			ZstdDictCompress dictionary = config.getDictionary() == null ? null
					: dictionary(config.getDictionary(), level);
			MeterRegistry registry = this.meters.getIfAvailable();
			DistributionSummary ratio = registry == null ? null
					: DistributionSummary.builder("resty.zstd.ratio")
						.description("Bytes in over bytes out of each zstd-compressed answer (nginx's $zstd_ratio)")
						.tag("route", route)
						.register(registry);
			Settings settings = new Settings(level, config.getMinLength().toBytes(), types, dictionary, ratio);
			return new ZstdFilter(settings, describe(config, types));
		}
		catch (IllegalArgumentException ex) {
			throw new IllegalArgumentException(NAME + " on route '" + route + "': " + ex.getMessage(), ex);
		}
	}

	private static ZstdDictCompress dictionary(Resource resource, int level) {
		byte[] bytes;
		try (InputStream in = resource.getInputStream()) {
			bytes = in.readAllBytes();
		}
		catch (IOException ex) {
			throw new IllegalArgumentException("dictionary: cannot read " + resource + ": " + ex.getMessage(), ex);
		}
		if (bytes.length == 0) {
			throw new IllegalArgumentException("dictionary: " + resource + " is empty");
		}
		return new ZstdDictCompress(bytes, level);
	}

	private static String describe(Config config, ContentTypes types) {
		Map<String, Object> described = new LinkedHashMap<>();
		described.put("level", config.getLevel());
		described.put("min-length", config.getMinLength().toBytes());
		described.put("types", String.join(",", types.listed()));
		if (config.getDictionary() != null) {
			described.put("dictionary", config.getDictionary().getDescription());
		}
		return NAME + described;
	}

	record Settings(int level, long minLength, ContentTypes types, @Nullable ZstdDictCompress dictionary,
			@Nullable DistributionSummary ratio) {
	}

	static final class ZstdFilter implements GatewayFilter, Ordered {

		private final Settings settings;

		private final String description;

		ZstdFilter(Settings settings, String description) {
			this.settings = settings;
			this.description = description;
		}

		@Override
		public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
			return chain.filter(exchange.mutate().response(new ZstdResponse(exchange, this.settings)).build());
		}

		@Override
		public int getOrder() {
			return ORDER;
		}

		@Override
		public String toString() {
			return this.description;
		}

	}

	/** The answer, decided when the upstream's status and headers are known: compressed, decoded, or as it is. */
	static final class ZstdResponse extends ServerHttpResponseDecorator {

		private final ServerWebExchange exchange;

		private final Settings settings;

		ZstdResponse(ServerWebExchange exchange, Settings settings) {
			super(exchange.getResponse());
			this.exchange = exchange;
			this.settings = settings;
		}

		private enum Plan {

			AS_IS, COMPRESS, DECODE

		}

		private Plan plan() {
			HttpHeaders headers = getHeaders();
			AcceptEncoding accepted = AcceptEncoding
				.parse(this.exchange.getRequest().getHeaders().get(HttpHeaders.ACCEPT_ENCODING));
			String encoding = headers.getFirst(HttpHeaders.CONTENT_ENCODING);
			if (encoding != null && encoding.trim().equalsIgnoreCase("zstd") && !accepted.accepts("zstd")
					&& getStatusCode() != null && getStatusCode().value() != 206 && getStatusCode().value() != 304
					&& getStatusCode().value() != 204) {
				return Plan.DECODE;
			}
			if (!EncodedResponses.encodable(getStatusCode(), headers)
					|| !this.settings.types().matches(headers.getFirst(HttpHeaders.CONTENT_TYPE))) {
				return Plan.AS_IS;
			}
			long length = headers.getContentLength();
			if (length >= 0 && length < this.settings.minLength()) {
				return Plan.AS_IS;
			}
			// Eligible: the answer depends on Accept-Encoding from here on, compressed or not.
			EncodedResponses.varyOnAcceptEncoding(headers);
			return accepted.accepts("zstd") ? Plan.COMPRESS : Plan.AS_IS;
		}

		@Override
		public Mono<Void> writeWith(Publisher<? extends DataBuffer> body) {
			return switch (plan()) {
				case AS_IS -> super.writeWith(body);
				case COMPRESS -> {
					// Known before the headers drop it: a body framed by Content-Length is exactly that long.
					long length = getHeaders().getContentLength();
					compressedHeaders();
					yield super.writeWith(headersOnly() ? released(body) : compress(Flux.from(body), false, length));
				}
				case DECODE -> {
					decodedHeaders();
					yield super.writeWith(headersOnly() ? released(body) : decode(Flux.from(body)));
				}
			};
		}

		@Override
		public Mono<Void> writeAndFlushWith(Publisher<? extends Publisher<? extends DataBuffer>> body) {
			Plan plan = plan();
			if (plan == Plan.AS_IS) {
				return super.writeAndFlushWith(body);
			}
			// A streamed answer: the flattened body goes through the same coder, which flushes after every upstream
			// chunk, and is written as one body, which Reactor Netty flushes whenever nothing more is waiting. Not as
			// a group per buffer: a group queued or in flight when the client leaves was seen to strand its buffer.
			Flux<DataBuffer> flat = EncodedResponses.flatten(body);
			if (plan == Plan.COMPRESS) {
				compressedHeaders();
				return super.writeWith(compress(flat, true, -1));
			}
			decodedHeaders();
			return super.writeWith(decode(flat));
		}

		private boolean headersOnly() {
			return EncodedResponses.headersOnly(this.exchange.getRequest());
		}

		private void compressedHeaders() {
			HttpHeaders headers = getHeaders();
			headers.set(HttpHeaders.CONTENT_ENCODING, "zstd");
			EncodedResponses.lengthUnknown(this.exchange.getRequest(), headers);
			EncodedResponses.bytesChanged(headers);
		}

		private void decodedHeaders() {
			HttpHeaders headers = getHeaders();
			headers.remove(HttpHeaders.CONTENT_ENCODING);
			EncodedResponses.lengthUnknown(this.exchange.getRequest(), headers);
			EncodedResponses.bytesChanged(headers);
			EncodedResponses.varyOnAcceptEncoding(headers);
		}

		private static Flux<DataBuffer> released(Publisher<? extends DataBuffer> body) {
			return Flux.from(body).doOnNext(DataBufferUtils::release).thenMany(Flux.empty());
		}

		/** A streaming coder: feeds one input buffer and hands its output to a sink. */
		@FunctionalInterface
		private interface Coder {

			void write(java.nio.ByteBuffer input, java.util.function.Consumer<java.nio.ByteBuffer> sink);

		}

		// One upstream chunk through a coder, into one buffer made when the first bytes come out (a chunk that zstd
		// keeps for its next block makes none); the chunk is always released.
		private static void code(DataBuffer chunk, Coder coder, int expected, DataBufferFactory factory,
				reactor.core.publisher.SynchronousSink<DataBuffer> sink) {
			DataBuffer[] out = new DataBuffer[1];
			try (DataBuffer.ByteBufferIterator buffers = chunk.readableByteBuffers()) {
				while (buffers.hasNext()) {
					coder.write(buffers.next(), bytes -> {
						if (out[0] == null) {
							out[0] = factory.allocateBuffer(Math.max(expected, bytes.remaining()));
						}
						out[0].ensureWritable(bytes.remaining()).write(bytes);
					});
				}
			}
			catch (RuntimeException ex) {
				if (out[0] != null) {
					DataBufferUtils.release(out[0]);
				}
				sink.error(ex);
				return;
			}
			finally {
				DataBufferUtils.release(chunk);
			}
			if (out[0] != null) {
				emit(out[0], sink);
			}
		}

		// flush: after every chunk (a streamed answer, as SCG writes server-sent events and the like), or only at the
		// end (any other answer: zstd emits whole blocks as they fill, as zstd-nginx-module does without a flush).
		// length: the body's length when the upstream framed it with Content-Length, else -1. zstd then tunes its
		// window and tables to the size, as a one-call compression does, and writes the size into the frame.
		private Flux<DataBuffer> compress(Flux<? extends DataBuffer> body, boolean flush, long length) {
			DataBufferFactory factory = bufferFactory();
			return Flux.using(() -> ZstdStreamEncoder.pledged(this.settings.level(), this.settings.dictionary(), length),
					encoder -> body.<DataBuffer>handle((chunk, sink) -> code(chunk,
							flush ? encoder::write : encoder::append,
							Math.max(256, chunk.readableByteCount() / 4), factory, sink))
						.concatWith(Mono.fromCallable(() -> {
							DataBuffer out = factory.allocateBuffer(64);
							try {
								encoder.finish(bytes -> out.ensureWritable(bytes.remaining()).write(bytes));
							}
							catch (RuntimeException ex) {
								DataBufferUtils.release(out);
								throw ex;
							}
							DistributionSummary ratio = this.settings.ratio();
							if (ratio != null && encoder.bytesOut() > 0) {
								ratio.record((double) encoder.bytesIn() / encoder.bytesOut());
							}
							return out;
						})), ZstdStreamEncoder::close)
				// A buffer made but not taken (the client left) is released, not leaked.
				.doOnDiscard(Object.class, EncodedResponses::discard);
		}

		private Flux<DataBuffer> decode(Flux<? extends DataBuffer> body) {
			DataBufferFactory factory = bufferFactory();
			return Flux.using(ZstdStreamDecoder::new, decoder -> body.<DataBuffer>handle((chunk, sink) -> code(chunk,
					decoder::write, Math.max(1024, chunk.readableByteCount() * 4), factory, sink))
				.concatWith(Mono.fromRunnable(decoder::finish)), ZstdStreamDecoder::close)
				.doOnDiscard(Object.class, EncodedResponses::discard);
		}

		private static void emit(DataBuffer out, reactor.core.publisher.SynchronousSink<DataBuffer> sink) {
			if (out.readableByteCount() > 0) {
				sink.next(out);
			}
			else {
				DataBufferUtils.release(out);
			}
		}

	}

	/** The filter's arguments. */
	public static class Config extends RouteConfig {

		private int level = 1;

		private DataSize minLength = DataSize.ofBytes(20);

		private List<String> types = new ArrayList<>(List.of("text/html"));

		private @Nullable Resource dictionary;

		public int getLevel() {
			return this.level;
		}

		public Config setLevel(int level) {
			this.level = level;
			return this;
		}

		public DataSize getMinLength() {
			return this.minLength;
		}

		public Config setMinLength(DataSize minLength) {
			this.minLength = minLength;
			return this;
		}

		public List<String> getTypes() {
			return this.types;
		}

		public Config setTypes(List<String> types) {
			this.types = types;
			return this;
		}

		public @Nullable Resource getDictionary() {
			return this.dictionary;
		}

		public Config setDictionary(Resource dictionary) {
			this.dictionary = dictionary;
			return this;
		}

	}

}
