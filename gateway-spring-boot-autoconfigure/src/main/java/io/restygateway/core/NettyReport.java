package io.restygateway.core;

import io.netty.util.internal.PlatformDependent;

/**
 * The start-up line that says how Netty runs: its event loops, its transport and who frees its direct buffers. The
 * last two depend on the JVM (a native library that loads, a package that is open), so they are read from Netty, not
 * from the configuration.
 */
final class NettyReport implements RestyFeatureReport {

	private static final String EPOLL = "io.netty.channel.epoll.Epoll";

	@Override
	public String line() {
		String loops = System.getProperty(RestyEnvironmentPostProcessor.IO_WORKER_COUNT, "Reactor Netty's default");
		return "netty: " + loops + " event loop(s), " + transport() + ", " + directBuffers();
	}

	static String directBuffers() {
		if (PlatformDependent.useDirectBufferNoCleaner()) {
			return "direct buffers freed by Netty";
		}
		return "direct buffers freed by the JDK's Cleaner (java.nio is not open to Netty, or "
				+ RestyEnvironmentPostProcessor.DIRECT_BUFFER_NO_CLEANER + "=false: see core.md)";
	}

	private static String transport() {
		try {
			Class<?> epoll = Class.forName(EPOLL, false, NettyReport.class.getClassLoader());
			return Boolean.TRUE.equals(epoll.getMethod("isAvailable").invoke(null)) ? "epoll" : "NIO (epoll did not load)";
		}
		catch (ReflectiveOperationException | LinkageError ex) {
			return "NIO";
		}
	}

}
