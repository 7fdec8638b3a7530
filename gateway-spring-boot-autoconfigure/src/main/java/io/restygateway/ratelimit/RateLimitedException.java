package io.restygateway.ratelimit;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.web.server.ResponseStatusException;

/**
 * A request refused by a rate limit: 429 with its {@code Retry-After} and rate-limit headers, or the status of a
 * request without a key, or 503 when the store failed and the route fails closed. It is an error rather than a
 * completed response (unlike Spring Cloud Gateway's RequestRateLimiter, issue #4175), so that error handlers and
 * filters see it; the gateway's error handler answers it with its status and these headers.
 */
public class RateLimitedException extends ResponseStatusException {

	private final HttpHeaders headers;

	/**
	 * @param status the status
	 * @param reason why, for the error body
	 * @param headers the headers of the answer
	 */
	public RateLimitedException(HttpStatus status, String reason, HttpHeaders headers) {
		super(status, reason);
		this.headers = HttpHeaders.readOnlyHttpHeaders(headers);
	}

	@Override
	public HttpHeaders getHeaders() {
		return this.headers;
	}

}
