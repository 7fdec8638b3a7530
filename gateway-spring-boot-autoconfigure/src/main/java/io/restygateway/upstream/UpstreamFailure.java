package io.restygateway.upstream;

import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.util.concurrent.TimeoutException;

import org.jspecify.annotations.Nullable;

/**
 * How a request to a server, or a health check, ended in error: what kind of failure, and a short reason for
 * operators ({@code connection refused: ...}). The kind decides retries and the status of the last answer.
 *
 * @param kind what kind of failure
 * @param reason the short reason
 */
record UpstreamFailure(Kind kind, String reason) {

	/** Kinds of failure, in nginx's terms. */
	enum Kind {

		/**
		 * nginx's {@code error}: the connection could not be made, or was closed or reset before the answer's head
		 * arrived.
		 */
		CONNECT,
		/** The server did not answer in time. */
		TIMEOUT,
		/** Anything else. */
		OTHER

	}

	/**
	 * @param error what the request or check ended with
	 * @return its kind and reason
	 */
	static UpstreamFailure of(@Nullable Throwable error) {
		for (Throwable cause = error; cause != null; cause = cause.getCause()) {
			if (cause instanceof ConnectException || cause instanceof NoRouteToHostException) {
				return new UpstreamFailure(Kind.CONNECT, "connection refused: " + cause.getMessage());
			}
			String type = cause.getClass().getSimpleName();
			// Reactor Netty: a pooled connection closed before the request went out (AbortedException), or before
			// the answer's head came (PrematureCloseException).
			if (type.equals("PrematureCloseException") || type.equals("AbortedException")
					|| (cause instanceof IOException && cause.getMessage() != null
							&& cause.getMessage().contains("Connection reset"))) {
				return new UpstreamFailure(Kind.CONNECT, "connection lost: " + cause.getMessage());
			}
			if (cause instanceof UnknownHostException) {
				return new UpstreamFailure(Kind.CONNECT, "unknown host: " + cause.getMessage());
			}
			if (cause instanceof TimeoutException || cause.getClass().getSimpleName().contains("Timeout")) {
				return new UpstreamFailure(Kind.TIMEOUT, "timeout: " + cause.getMessage());
			}
			if (cause.getCause() == cause) {
				break;
			}
		}
		return new UpstreamFailure(Kind.OTHER,
				error == null ? "failed" : error.getClass().getSimpleName() + ": " + error.getMessage());
	}

}
