package io.restygateway.test;

import java.util.List;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class after which Netty reports a leaked buffer. Registered for every test class by JUnit's
 * extension auto-detection ({@code META-INF/services}, enabled in the build's Surefire and Failsafe settings).
 * A leak found before a class starts is blamed on what ran before it and fails that class too, so that no leak is
 * lost between classes.
 */
public final class NettyLeakCheckExtension implements BeforeAllCallback, AfterAllCallback {

	@Override
	public void beforeAll(ExtensionContext context) {
		NettyLeakDetection.install();
		fail(NettyLeakDetection.collectLeaks(), "before " + context.getDisplayName());
	}

	@Override
	public void afterAll(ExtensionContext context) {
		fail(NettyLeakDetection.collectLeaks(), "in " + context.getDisplayName());
	}

	private static void fail(List<String> leaks, String where) {
		if (!leaks.isEmpty()) {
			throw new AssertionError(leaks.size() + " Netty buffer leak(s) " + where + ":\n"
					+ String.join("\n\n", leaks));
		}
	}

}
