package io.restygateway.test;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Starts one real {@link RedisServer} for a test class and stops it afterwards:
 * <pre>
 * &#64;RegisterExtension
 * static RedisServerExtension redis = new RedisServerExtension();
 * </pre>
 * The server is started as soon as the extension is created, so that {@code @DynamicPropertySource} methods (which
 * run before {@code beforeAll}) can read its port.
 */
public final class RedisServerExtension implements BeforeAllCallback, AfterAllCallback {

	private RedisServer server;

	public RedisServerExtension() {
		try {
			this.server = RedisServer.start();
		}
		catch (java.io.IOException ex) {
			throw new IllegalStateException("cannot start a real redis-server for the tests", ex);
		}
	}

	/** @return the running server */
	public RedisServer server() {
		return this.server;
	}

	@Override
	public void beforeAll(ExtensionContext context) throws Exception {
		if (!this.server.isAlive()) {
			this.server.restart();
		}
	}

	@Override
	public void afterAll(ExtensionContext context) {
		this.server.stop();
	}

}
