package io.restygateway.compress;

import java.util.Set;

import io.netty.handler.codec.http.HttpVersion;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.Fuseable;
import reactor.core.publisher.Flux;
import reactor.netty.http.server.HttpServerRequest;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;

/**
 * The rules the Zstd and Base64 filters share with their nginx modules: which answers may be encoded, and what
 * encoding does to their headers.
 */
final class EncodedResponses {

	/** The statuses both modules encode; every other status (206, 204, 304, 5xx, redirects) passes untouched. */
	static final Set<Integer> STATUSES = Set.of(200, 403, 404);

	private EncodedResponses() {
	}

	/**
	 * @param status the answer's status, or null when not set yet
	 * @param headers its headers
	 * @return whether the status is one that is encoded and the answer has no Content-Encoding of its own (not even
	 * {@code identity})
	 */
	static boolean encodable(@Nullable HttpStatusCode status, HttpHeaders headers) {
		int code = status == null ? 200 : status.value();
		String encoding = headers.getFirst(HttpHeaders.CONTENT_ENCODING);
		return STATUSES.contains(code) && (encoding == null || encoding.isBlank());
	}

	/**
	 * @param request the request
	 * @return whether the answer has no body by its method: a HEAD, whose headers are those a GET would get
	 */
	static boolean headersOnly(ServerHttpRequest request) {
		return HttpMethod.HEAD.equals(request.getMethod());
	}

	/**
	 * The encoded body's length is not known before it is made: the Content-Length goes, and on HTTP/1.1 the answer
	 * is sent chunked. Not left to the server: Spring Cloud Gateway has already removed the chunked framing that an
	 * upstream answer with a Content-Length did not need, and an HTTP/1.1 answer with neither ends only when the
	 * connection closes, so every compressed answer cost the client its keep-alive connection.
	 * @param request the request answered
	 * @param headers the answer's headers
	 */
	static void lengthUnknown(ServerHttpRequest request, HttpHeaders headers) {
		headers.remove(HttpHeaders.CONTENT_LENGTH);
		Object nativeRequest = ServerHttpRequestDecorator.getNativeRequest(request);
		if (nativeRequest instanceof HttpServerRequest server && HttpVersion.HTTP_1_1.equals(server.version())) {
			headers.set(HttpHeaders.TRANSFER_ENCODING, "chunked");
		}
	}

	/**
	 * What an encoded body does to the headers: the length is gone or changed, ranges of the original bytes no
	 * longer apply, and the entity tag can only be weak.
	 * @param headers the answer's headers
	 */
	static void bytesChanged(HttpHeaders headers) {
		headers.remove(HttpHeaders.ACCEPT_RANGES);
		String weak = Validators.weaken(headers.getETag());
		if (weak == null) {
			headers.remove(HttpHeaders.ETAG);
		}
		else {
			headers.set(HttpHeaders.ETAG, weak);
		}
	}

	/**
	 * Add {@code Vary: Accept-Encoding} unless it is there (or {@code Vary: *} is).
	 * @param headers the answer's headers
	 */
	static void varyOnAcceptEncoding(HttpHeaders headers) {
		for (String vary : headers.getOrEmpty(HttpHeaders.VARY)) {
			for (String name : vary.split(",")) {
				String trimmed = name.trim();
				if (trimmed.equals("*") || trimmed.equalsIgnoreCase(HttpHeaders.ACCEPT_ENCODING)) {
					return;
				}
			}
		}
		headers.add(HttpHeaders.VARY, HttpHeaders.ACCEPT_ENCODING);
	}

	/**
	 * Release what a cancelled body drops: a buffer, or the buffer inside a constant publisher. Spring Cloud Gateway
	 * hands a streamed body over as one {@code Flux.just(buffer)} per buffer, and an operator that flattens those
	 * drops a group that arrives after its cancellation as a publisher, which a discard hook for buffers alone would
	 * not release. Only constant publishers ({@link Fuseable.ScalarCallable}) are opened: asking any other for its
	 * value could run code.
	 * @param dropped what an operator discarded
	 */
	static void discard(Object dropped) {
		if (dropped instanceof DataBuffer buffer) {
			DataBufferUtils.release(buffer);
		}
		else if (dropped instanceof Fuseable.ScalarCallable<?> constant) {
			Object value;
			try {
				value = constant.call();
			}
			catch (Exception ex) {
				return;
			}
			if (value instanceof DataBuffer buffer) {
				DataBufferUtils.release(buffer);
			}
		}
	}

	/**
	 * A streamed body (a publisher of groups) as one body, in order. Each group is subscribed to as a publisher,
	 * never opened as a constant: Spring Cloud Gateway's groups are {@code Flux.just(buffer)}, and {@code concatMap}'s
	 * shortcut for constants lost a buffer now and then when the client left (Netty's leak detector caught it in
	 * {@code CompressionTests}); through {@code hide()} the buffer stays in a subscription that releases it on cancel.
	 * @param body the groups
	 * @return their buffers
	 */
	static Flux<DataBuffer> flatten(Publisher<? extends Publisher<? extends DataBuffer>> body) {
		return Flux.from(body).concatMap(group -> Flux.from(group).hide());
	}

}
