package io.restygateway.config.consul;

import java.io.IOException;

/**
 * Consul answered, but not with what was asked: a status other than 200 (and 404 where a 404 means "nothing there").
 * It is an {@link IOException} so that a caller treats it like an unreachable Consul: back off and try again.
 */
public class ConsulException extends IOException {

	private static final long serialVersionUID = 1L;

	private final int status;

	/**
	 * @param status the HTTP status
	 * @param message what Consul said (its error bodies are plain text)
	 */
	public ConsulException(int status, String message) {
		super("Consul answered " + status + (message.isEmpty() ? "" : ": " + message));
		this.status = status;
	}

	/** @return the HTTP status */
	public int status() {
		return this.status;
	}

	/**
	 * A 400 means the request itself is wrong (a bad index or wait, an invalid key): retrying will not fix it.
	 * @return whether the status is 400
	 */
	public boolean isBadRequest() {
		return this.status == 400;
	}

}
