package io.restygateway.edge;

import org.springframework.http.HttpStatus;
import org.springframework.web.server.ResponseStatusException;

/**
 * A request body without a length that grew past a route's {@code RequestSize}. A {@link ResponseStatusException}
 * with 413, so that wherever it surfaces the answer is a 413, never a 500.
 */
public class RequestBodyTooLargeException extends ResponseStatusException {

	RequestBodyTooLargeException(long read, long maxSize) {
		super(HttpStatus.CONTENT_TOO_LARGE, "Request body is over the permissible limit of " + maxSize
				+ " bytes: " + read + " bytes read and no Content-Length");
	}

}
