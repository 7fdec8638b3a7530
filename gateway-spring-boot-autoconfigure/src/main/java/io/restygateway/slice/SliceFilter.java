package io.restygateway.slice;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

import io.netty.buffer.ByteBuf;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.ReactiveLoadBalancerClientFilter;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.core.Ordered;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.core.io.buffer.NettyDataBufferFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;

import io.restygateway.slice.RangeSet.Resolved;
import io.restygateway.slice.SlicePlan.SliceHead;
import io.restygateway.slice.SliceUpstream.Answer;

/**
 * The {@code Slice} filter of one route: it routes GET and HEAD requests itself, as aligned slice requests to the
 * upstream the route resolved (after the load balancer chose), one slice at a time, and answers the client's
 * conditions and ranges from them. Other methods, and upstreams that are not HTTP, go the usual way.
 */
final class SliceFilter implements GatewayFilter, Ordered {

	private static final Log logger = LogFactory.getLog(SliceFilter.class);

	/** Right after the load balancer has turned lb://name into a server, before Netty routing. */
	static final int ORDER = ReactiveLoadBalancerClientFilter.LOAD_BALANCER_CLIENT_FILTER_ORDER + 1;

	/** The most bytes of a cached slice handed to the connection in one buffer. */
	private static final int WRITE_CHUNK = 64 * 1024;

	private final SlicePlan plan;

	private final SliceUpstream upstream;

	private final String description;

	private final String route;

	private final @Nullable SliceCache cache;

	SliceFilter(SlicePlan plan, SliceUpstream upstream, String description, String route,
			@Nullable SliceCache cache) {
		this.plan = plan;
		this.upstream = upstream;
		this.description = description;
		this.route = route;
		this.cache = cache;
	}

	@Override
	public int getOrder() {
		return ORDER;
	}

	@Override
	public String toString() {
		return this.description;
	}

	/** An upstream slice answer that cannot be stitched: the response is aborted, never patched. */
	static final class SliceFaultException extends IllegalStateException {

		SliceFaultException(String message) {
			super(message);
		}

	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
		ServerHttpRequest request = exchange.getRequest();
		boolean head = HttpMethod.HEAD.equals(request.getMethod());
		URI url = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR);
		if (!(head || HttpMethod.GET.equals(request.getMethod())) || url == null
				|| !("http".equalsIgnoreCase(url.getScheme()) || "https".equalsIgnoreCase(url.getScheme()))
				|| ServerWebExchangeUtils.isAlreadyRouted(exchange)) {
			return chain.filter(exchange);
		}
		ServerWebExchangeUtils.setAlreadyRouted(exchange);
		String range = head ? null : request.getHeaders().getFirst(HttpHeaders.RANGE);
		RangeSet ranges = RangeSet.parse(range);
		if (this.cache != null) {
			return cached(exchange, url, ranges, head, this.cache);
		}
		return uncached(exchange, url, ranges, head);
	}

	private Mono<Void> uncached(ServerWebExchange exchange, URI url, RangeSet ranges, boolean head) {
		ServerHttpRequest request = exchange.getRequest();
		long probeIndex = probeIndex(ranges, request.getHeaders().getFirst(HttpHeaders.IF_RANGE));
		return this.upstream.fetch(exchange, url, this.plan.rangeHeader(probeIndex))
			.flatMap(probe -> respond(exchange, url, probe, probeIndex, ranges, head));
	}

	// The slice to ask first: the one holding a single range's start, else slice 0 (a suffix needs the length; with
	// If-Range the validators decide whether the range counts at all).
	private long probeIndex(RangeSet ranges, @Nullable String ifRange) {
		long start = ranges.singleStart();
		return ifRange == null && start >= 0 ? this.plan.index(start) : 0;
	}

	private Mono<Void> respond(ServerWebExchange exchange, URI url, Answer probe, long probeIndex, RangeSet ranges,
			boolean head) {
		ServerHttpResponse response = exchange.getResponse();
		NettyDataBufferFactory factory = (NettyDataBufferFactory) response.bufferFactory();
		if (probe.status() == 416) {
			return unsatisfiableProbe(exchange, probe, ranges, head);
		}
		if (probe.status() != 206) {
			// The upstream ignores ranges (200), or has nothing to give (404, 5xx): its answer as it is.
			response.setStatusCode(HttpStatus.valueOf(probe.status()));
			response.getHeaders().addAll(probe.headers());
			return head ? discardAnd(probe, response.setComplete()) : response.writeWith(probe.body(factory));
		}
		String validator = validator(probe.headers());
		String fault = this.plan.fault(probeIndex, 206, probe.headers().getFirst(HttpHeaders.CONTENT_RANGE), validator,
				null);
		if (fault != null) {
			probe.discard();
			logger.warn("Slice on " + url + ": " + fault);
			return Mono.error(new ResponseStatusException(HttpStatus.BAD_GATEWAY, fault));
		}
		SlicePlan.ContentRange contentRange = SlicePlan.ContentRange
			.parse(probe.headers().getFirst(HttpHeaders.CONTENT_RANGE));
		SliceObject object = SliceObject.of(probe.headers(), contentRange.total());
		Prefetched prefetched = new Prefetched(probe, probeIndex);
		return answer(exchange, object, ranges, head,
				wanted -> bytes(exchange, url, wanted, object.head(), prefetched, factory), prefetched::release);
	}

	/**
	 * Answer from what is known of the object: conditions, then ranges, then the bytes from {@code bytes}.
	 * @param release lets go of what is held for the body when no body is sent
	 */
	Mono<Void> answer(ServerWebExchange exchange, SliceObject object, RangeSet ranges, boolean head,
			java.util.function.Function<ByteRange, Flux<DataBuffer>> bytes, Runnable release) {
		ServerHttpResponse response = exchange.getResponse();
		NettyDataBufferFactory factory = (NettyDataBufferFactory) response.bufferFactory();
		HttpHeaders asked = exchange.getRequest().getHeaders();
		Preconditions.Outcome outcome = Preconditions.evaluate(asked.getFirst(HttpHeaders.IF_MATCH),
				asked.getFirst(HttpHeaders.IF_UNMODIFIED_SINCE), asked.getFirst(HttpHeaders.IF_NONE_MATCH),
				asked.getFirst(HttpHeaders.IF_MODIFIED_SINCE), object.validators());
		HttpHeaders headers = response.getHeaders();
		headers.addAll(object.headers());
		headers.set(HttpHeaders.ACCEPT_RANGES, "bytes");
		long total = object.head().total();
		if (outcome == Preconditions.Outcome.NOT_MODIFIED) {
			response.setStatusCode(HttpStatus.NOT_MODIFIED);
			headers.remove(HttpHeaders.CONTENT_TYPE);
			release.run();
			return response.setComplete();
		}
		if (outcome == Preconditions.Outcome.PRECONDITION_FAILED) {
			response.setStatusCode(HttpStatus.PRECONDITION_FAILED);
			headers.setContentLength(0);
			release.run();
			return response.setComplete();
		}
		Resolved resolved = ranges.present() && Preconditions.rangeApplies(asked.getFirst(HttpHeaders.IF_RANGE),
				object.validators()) ? ranges.resolve(total) : new Resolved(RangeSet.Kind.WHOLE, List.of());
		switch (resolved.kind()) {
			case UNSATISFIABLE -> {
				response.setStatusCode(HttpStatus.REQUESTED_RANGE_NOT_SATISFIABLE);
				headers.set(HttpHeaders.CONTENT_RANGE, "bytes */" + total);
				headers.remove(HttpHeaders.CONTENT_TYPE);
				headers.setContentLength(0);
				release.run();
				return response.setComplete();
			}
			case WHOLE -> {
				response.setStatusCode(HttpStatus.OK);
				headers.setContentLength(total);
				if (head || total == 0) {
					release.run();
					return response.setComplete();
				}
				return response.writeWith(bytes.apply(new ByteRange(0, total - 1)));
			}
			default -> {
				List<ByteRange> parts = resolved.ranges();
				response.setStatusCode(HttpStatus.PARTIAL_CONTENT);
				if (parts.size() == 1) {
					ByteRange part = parts.get(0);
					headers.set(HttpHeaders.CONTENT_RANGE, part.contentRange(total));
					headers.setContentLength(part.length());
					return response.writeWith(bytes.apply(part));
				}
				return multipart(response, parts, total, bytes, release, factory);
			}
		}
	}

	/** The object cannot be sliced or cached (no 206 to a slice request, no validator, no-store): go uncached. */
	static final class NotCacheable extends RuntimeException {

		NotCacheable() {
			super(null, null, false, false);
		}

	}

	private Mono<Void> cached(ServerWebExchange exchange, URI url, RangeSet ranges, boolean head,
			SliceCache cache) {
		NettyDataBufferFactory factory = (NettyDataBufferFactory) exchange.getResponse().bufferFactory();
		String uri = url.getRawQuery() == null ? url.getRawPath() : url.getRawPath() + "?" + url.getRawQuery();
		SliceCache.ObjectKey key = new SliceCache.ObjectKey(this.route, uri);
		return Mono
			.fromFuture(() -> cache.object(key, () -> learn(exchange, url, key, cache, factory).toFuture()), true)
			.flatMap(object -> answer(exchange, object, ranges, head,
					wanted -> cachedBytes(exchange, url, key, object, wanted, cache, factory), () -> {
					}))
			.onErrorResume(NotCacheable.class, ex -> uncached(exchange, url, ranges, head));
	}

	// Slice 0 tells what the object is; it is kept, and the object is kept beside it.
	private Mono<SliceObject> learn(ServerWebExchange exchange, URI url, SliceCache.ObjectKey key, SliceCache cache,
			NettyDataBufferFactory factory) {
		return this.upstream.fetch(exchange, url, this.plan.rangeHeader(0)).flatMap(first -> {
			if (first.status() != 206) {
				first.discard();
				return Mono.error(new NotCacheable());
			}
			String fault = this.plan.fault(0, 206, first.headers().getFirst(HttpHeaders.CONTENT_RANGE),
					validator(first.headers()), null);
			if (fault != null) {
				first.discard();
				logger.warn("Slice on " + url + ": " + fault);
				return Mono.error(new ResponseStatusException(HttpStatus.BAD_GATEWAY, fault));
			}
			SlicePlan.ContentRange contentRange = SlicePlan.ContentRange
				.parse(first.headers().getFirst(HttpHeaders.CONTENT_RANGE));
			SliceObject object = SliceObject.of(first.headers(), contentRange.total());
			String cacheControl = String.valueOf(first.headers().getCacheControl()).toLowerCase(java.util.Locale.ROOT);
			if (object.head().validator() == null || cacheControl.contains("no-store")
					|| cacheControl.contains("private")) {
				first.discard();
				return Mono.error(new NotCacheable());
			}
			return whole(first, 0, object).map(bytes -> {
				try {
					cache.put(new SliceCache.SliceKey(key, object.head().validator(), 0), bytes);
				}
				finally {
					bytes.release();
				}
				return object;
			});
		});
	}

	// A slice's bytes, all of them, checked against the object, copied out of the upstream's buffers into one buffer
	// outside the heap (one reference, the caller's).
	private Mono<ByteBuf> whole(Answer answer, long index, SliceObject object) {
		ByteRange covers = this.plan.covers(index, object.head().total());
		int length = Math.toIntExact(covers.length());
		return Mono.defer(() -> {
			ByteBuf bytes = SliceCache.allocate(length);
			// Each chunk is copied and released here, and only its length goes on: what then() ignores is not a
			// buffer, so that no discard hook releases a chunk a second time.
			return answer.chunks()
				.map(chunk -> {
					try {
						int readable = chunk.readableBytes();
						if (readable > bytes.writableBytes()) {
							throw new SliceFaultException("slice " + index + " brought more than its " + length
									+ " bytes");
						}
						bytes.writeBytes(chunk);
						return readable;
					}
					finally {
						chunk.release();
					}
				})
				.then(Mono.fromCallable(() -> {
					if (bytes.readableBytes() != length) {
						throw new SliceFaultException("slice " + index + " brought " + bytes.readableBytes()
								+ " of its " + length + " bytes");
					}
					return bytes;
				}))
				.doOnError(error -> bytes.release())
				.doOnCancel(bytes::release)
				.doOnDiscard(ByteBuf.class, ByteBuf::release);
		});
	}

	private Flux<DataBuffer> cachedBytes(ServerWebExchange exchange, URI url, SliceCache.ObjectKey key,
			SliceObject object, ByteRange wanted, SliceCache cache, NettyDataBufferFactory factory) {
		long firstSlice = this.plan.index(wanted.first());
		long lastSlice = this.plan.index(wanted.last());
		// One slice request at a time per request, as the upstream is promised, but without waiting for the client:
		// the next slice is asked for as soon as this one is in, and this one is written out meanwhile. So at most
		// two slices are held by a request, both in the cache.
		Flux<Loaded> slices = Flux.range(0, Math.toIntExact(lastSlice - firstSlice + 1)).concatMap(offset -> {
			long index = firstSlice + offset;
			SliceCache.SliceKey sliceKey = new SliceCache.SliceKey(key, object.head().validator(), index);
			// A client that leaves does not cancel a load that other requests wait for; a reference that arrives
			// after it left is discarded, which releases it.
			return Mono
				.fromFuture(() -> cache.slice(sliceKey, () -> load(exchange, url, key, index, object, cache)
					.toFuture()), true)
				.map(bytes -> new Loaded(index, bytes));
		}, 0);
		return slices.concatMap(loaded -> {
			ByteBuf bytes = loaded.bytes();
			ByteRange covers = this.plan.covers(loaded.index(), object.head().total());
			int from = (int) (Math.max(wanted.first(), covers.first()) - covers.first());
			int to = (int) (Math.min(wanted.last(), covers.last()) - covers.first());
			// Views of the cached bytes, written as they are: no copy. In pieces, because the writes run ahead of the
			// socket by a number of buffers, not of bytes.
			int chunks = (to - from) / WRITE_CHUNK + 1;
			return Flux.range(0, chunks).map(c -> {
				int start = from + c * WRITE_CHUNK;
				return (DataBuffer) factory.wrap(bytes.retainedSlice(start, Math.min(WRITE_CHUNK, to + 1 - start)));
			}).doFinally(signal -> bytes.release());
		}, 1)
			.doOnDiscard(Loaded.class, Loaded::release)
			.doOnDiscard(ByteBuf.class, ByteBuf::release)
			.doOnDiscard(DataBuffer.class, DataBufferUtils::release);
	}

	/** A slice from the cache, with a reference its holder must release. */
	private record Loaded(long index, ByteBuf bytes) {

		void release() {
			this.bytes.release();
		}

	}

	private Mono<ByteBuf> load(ServerWebExchange exchange, URI url, SliceCache.ObjectKey key, long index,
			SliceObject object, SliceCache cache) {
		return this.upstream.fetch(exchange, url, this.plan.rangeHeader(index)).flatMap(slice -> {
			String fault = this.plan.fault(index, slice.status(), slice.headers().getFirst(HttpHeaders.CONTENT_RANGE),
					validator(slice.headers()), object.head());
			if (fault != null) {
				slice.discard();
				// The object changed, or the upstream misbehaves: learn it anew next time.
				cache.forget(key);
				logger.warn("Slice on " + url + ": " + fault + "; the response is cut off");
				return Mono.error(new SliceFaultException(fault));
			}
			return whole(slice, index, object);
		});
	}

	private Mono<Void> unsatisfiableProbe(ServerWebExchange exchange, Answer probe, RangeSet ranges, boolean head) {
		ServerHttpResponse response = exchange.getResponse();
		String contentRange = probe.headers().getFirst(HttpHeaders.CONTENT_RANGE);
		long total = -1;
		if (contentRange != null && contentRange.trim().startsWith("bytes */")) {
			try {
				total = Long.parseLong(contentRange.trim().substring(8).trim());
			}
			catch (NumberFormatException ex) {
				total = -1;
			}
		}
		probe.discard();
		if (total == 0 && !ranges.present()) {
			// An empty object: slice 0 does not exist, the object does.
			response.setStatusCode(HttpStatus.OK);
			response.getHeaders().addAll(probe.headers());
			response.getHeaders().remove(HttpHeaders.CONTENT_RANGE);
			response.getHeaders().setContentLength(0);
			return response.setComplete();
		}
		response.setStatusCode(HttpStatus.REQUESTED_RANGE_NOT_SATISFIABLE);
		if (total >= 0) {
			response.getHeaders().set(HttpHeaders.CONTENT_RANGE, "bytes */" + total);
		}
		response.getHeaders().setContentLength(0);
		return response.setComplete();
	}

	private static Mono<Void> discardAnd(Answer probe, Mono<Void> then) {
		probe.discard();
		return then;
	}

	private static @Nullable String validator(HttpHeaders headers) {
		String etag = headers.getETag();
		return etag != null ? etag : headers.getFirst(HttpHeaders.LAST_MODIFIED);
	}

	/** The first slice's answer, used once if the body starts with its slice, else let go. */
	private static final class Prefetched {

		private final AtomicReference<@Nullable Answer> answer;

		private final long index;

		Prefetched(Answer answer, long index) {
			this.answer = new AtomicReference<>(answer);
			this.index = index;
		}

		@Nullable Answer take(long wanted) {
			Answer taken = this.answer.getAndSet(null);
			if (taken != null && wanted != this.index) {
				taken.discard();
				return null;
			}
			return taken;
		}

		void release() {
			Answer left = this.answer.getAndSet(null);
			if (left != null) {
				left.discard();
			}
		}

	}

	// The bytes of one range, slice after slice, each checked before a byte of it is sent.
	private Flux<DataBuffer> bytes(ServerWebExchange exchange, URI url, ByteRange wanted, SliceHead object,
			Prefetched prefetched, NettyDataBufferFactory factory) {
		long firstSlice = this.plan.index(wanted.first());
		long lastSlice = this.plan.index(wanted.last());
		return Flux.defer(() -> {
			Answer first = prefetched.take(firstSlice);
			return Flux.range(0, Math.toIntExact(lastSlice - firstSlice + 1)).concatMap(offset -> {
				long index = firstSlice + offset;
				Mono<Answer> answer = index == firstSlice && first != null ? Mono.just(first)
						: this.upstream.fetch(exchange, url, this.plan.rangeHeader(index));
				return answer.flatMapMany(slice -> {
					String fault = this.plan.fault(index, slice.status(),
							slice.headers().getFirst(HttpHeaders.CONTENT_RANGE), validator(slice.headers()), object);
					if (fault != null) {
						slice.discard();
						logger.warn("Slice on " + url + ": " + fault + "; the response is cut off");
						return Flux.error(new SliceFaultException(fault));
					}
					ByteRange covers = this.plan.covers(index, object.total());
					return clip(slice.body(factory), covers, Math.max(wanted.first(), covers.first()),
							Math.min(wanted.last(), covers.last()), index);
				});
			}, 0);
		}).doFinally(signal -> prefetched.release()).doOnDiscard(DataBuffer.class, DataBufferUtils::release);
	}

	// Keep the bytes [from, to] of a slice covering [covers.first, covers.last]; a slice that ends short is a fault.
	private static Flux<DataBuffer> clip(Flux<DataBuffer> body, ByteRange covers, long from, long to, long index) {
		long[] position = { covers.first() };
		return body.<DataBuffer>handle((buffer, sink) -> {
			long start = position[0];
			int count = buffer.readableByteCount();
			long end = start + count;
			position[0] = end;
			long low = Math.max(start, from);
			long high = Math.min(end, to + 1);
			if (low >= high) {
				DataBufferUtils.release(buffer);
			}
			else {
				buffer.readPosition(buffer.readPosition() + (int) (low - start));
				buffer.writePosition(buffer.readPosition() + (int) (high - low));
				sink.next(buffer);
			}
			if (end > to) {
				sink.complete();
			}
		}).concatWith(Mono.defer(() -> position[0] > to ? Mono.empty()
				: Mono.error(new SliceFaultException("slice " + index + " ended after "
						+ (position[0] - covers.first()) + " of its " + covers.length() + " bytes"))));
	}

	private static Mono<Void> multipart(ServerHttpResponse response, List<ByteRange> parts, long total,
			java.util.function.Function<ByteRange, Flux<DataBuffer>> bytes, Runnable release,
			NettyDataBufferFactory factory) {
		String boundary = UUID.randomUUID().toString().replace("-", "");
		String type = response.getHeaders().getFirst(HttpHeaders.CONTENT_TYPE);
		List<byte[]> heads = new ArrayList<>();
		long length = 0;
		for (ByteRange part : parts) {
			byte[] partHead = ("\r\n--" + boundary + "\r\n" + (type == null ? "" : "Content-Type: " + type + "\r\n")
					+ "Content-Range: " + part.contentRange(total) + "\r\n\r\n")
				.getBytes(StandardCharsets.US_ASCII);
			heads.add(partHead);
			length += partHead.length + part.length();
		}
		byte[] end = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII);
		length += end.length;
		response.getHeaders().set(HttpHeaders.CONTENT_TYPE, "multipart/byteranges; boundary=" + boundary);
		response.getHeaders().setContentLength(length);
		Flux<DataBuffer> body = Flux.range(0, parts.size())
			.concatMap(i -> Flux.concat(Mono.fromSupplier(() -> factory.wrap(heads.get(i))), bytes.apply(parts.get(i))),
					0)
			.concatWith(Mono.fromSupplier(() -> factory.wrap(end)))
			.doFinally(signal -> release.run());
		return response.writeWith(body);
	}

}
