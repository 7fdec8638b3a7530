package io.restygateway.test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;

/**
 * A real HTTP server on a free loopback port (the JDK's own), to stand for an upstream in tests.
 */
public final class LoopbackHttpServer implements AutoCloseable {

	private final HttpServer server;

	private final ExecutorService executor;

	private LoopbackHttpServer(HttpServer server, ExecutorService executor) {
		this.server = server;
		this.executor = executor;
	}

	/**
	 * Start a server that answers every path with {@code handler}.
	 * @param handler the handler for {@code /}
	 * @return the running server
	 * @throws IOException when it cannot bind
	 */
	public static LoopbackHttpServer start(HttpHandler handler) throws IOException {
		HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
		ExecutorService executor = Executors.newFixedThreadPool(4);
		server.setExecutor(executor);
		server.createContext("/", handler);
		server.start();
		return new LoopbackHttpServer(server, executor);
	}

	/**
	 * Start a server that reads each request's body and answers 200 with the body {@code answer} gives, for a test
	 * class's static backend (a bind failure is thrown unchecked).
	 * @param contentType the answer's {@code Content-Type}, or {@code null} for none
	 * @param answer the answer's body for a request
	 * @return the running server
	 */
	public static LoopbackHttpServer answering(String contentType, Function<HttpExchange, byte[]> answer) {
		try {
			return start(exchange -> {
				exchange.getRequestBody().readAllBytes();
				byte[] body = answer.apply(exchange);
				if (contentType != null) {
					exchange.getResponseHeaders().add("Content-Type", contentType);
				}
				exchange.sendResponseHeaders(200, body.length);
				exchange.getResponseBody().write(body);
				exchange.close();
			});
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * A port on the loopback interface that nothing listens on now: for a server to start on, or for a dead one.
	 * @return the port
	 * @throws IOException when no port can be had
	 */
	public static int freePort() throws IOException {
		try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			return socket.getLocalPort();
		}
	}

	/** @return the port it listens on */
	public int port() {
		return this.server.getAddress().getPort();
	}

	/** @return {@code http://127.0.0.1:port} */
	public String url() {
		return "http://127.0.0.1:" + port();
	}

	@Override
	public void close() {
		this.server.stop(0);
		this.executor.shutdownNow();
	}

}
