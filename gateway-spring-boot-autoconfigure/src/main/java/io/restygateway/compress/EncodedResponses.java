package io.restygateway.compress;

import java.util.Set;

import org.jspecify.annotations.Nullable;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.server.reactive.ServerHttpRequest;

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

}
