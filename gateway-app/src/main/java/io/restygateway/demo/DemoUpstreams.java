package io.restygateway.demo;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * The demo's upstream servers: real HTTP servers (Reactor Netty) on free loopback ports inside the gateway's own
 * process. Each answers:
 * <ul>
 * <li>{@code /}: what to try, as text;</li>
 * <li>{@code /text}: a line of text; {@code /json}: a JSON document of a few KiB;</li>
 * <li>{@code /files/large.bin}: the large file, with ETag, Last-Modified, conditional requests and byte ranges;</li>
 * <li>{@code /health}: {@code {"status":"UP"}}, or 503 after {@code POST /health/down} (until
 * {@code POST /health/up}), for trying health checks.</li>
 * </ul>
 * Every answer carries {@code X-Demo-Server} with the server's name ({@code a}, {@code b}, ...).
 */
public final class DemoUpstreams implements AutoCloseable {

	private final List<Server> servers = new ArrayList<>();

	private final DemoFile file;

	private final byte[] json;

	private final String index;

	/**
	 * Start the servers.
	 * @param count how many servers
	 * @param largeFileSize the large file's size in bytes
	 * @param index the text of the index page
	 */
	public DemoUpstreams(int count, int largeFileSize, String index) {
		this.file = new DemoFile(largeFileSize, Instant.now());
		this.json = json();
		this.index = index;
		try {
			for (int i = 0; i < count; i++) {
				String name = String.valueOf((char) ('a' + i));
				Server server = new Server(name);
				this.servers.add(server);
				server.start();
			}
		}
		catch (RuntimeException ex) {
			close();
			throw ex;
		}
	}

	/** @return the ports of the servers, in name order */
	public List<Integer> ports() {
		return this.servers.stream().map(server -> server.disposable.port()).toList();
	}

	/** @return the base URL of the first server */
	public String url() {
		return "http://127.0.0.1:" + ports().get(0);
	}

	/** @return the large file's size in bytes */
	public int largeFileSize() {
		return this.file.content().length;
	}

	@Override
	public void close() {
		for (Server server : this.servers) {
			if (server.disposable != null) {
				server.disposable.disposeNow();
			}
		}
	}

	private static byte[] json() {
		StringBuilder out = new StringBuilder("{\"service\":\"resty-gateway-demo\",\"items\":[");
		for (int i = 0; i < 40; i++) {
			if (i > 0) {
				out.append(',');
			}
			out.append("{\"id\":").append(i).append(",\"name\":\"item-").append(i)
				.append("\",\"tags\":[\"demo\",\"json\"],\"price\":").append(i * 5 / 2.0)
				.append(",\"in_stock\":").append(i % 3 != 0).append('}');
		}
		return out.append("]}\n").toString().getBytes(StandardCharsets.UTF_8);
	}

	private final class Server {

		private final String name;

		private final AtomicBoolean healthy = new AtomicBoolean(true);

		private DisposableServer disposable;

		Server(String name) {
			this.name = name;
		}

		void start() {
			this.disposable = HttpServer.create().host("127.0.0.1").port(0).handle(this::handle).bindNow();
		}

		private Publisher<Void> handle(HttpServerRequest request, HttpServerResponse response) {
			response.header("X-Demo-Server", this.name);
			String path = request.fullPath();
			HttpMethod method = request.method();
			boolean read = method.equals(HttpMethod.GET) || method.equals(HttpMethod.HEAD);
			if (method.equals(HttpMethod.POST) && path.startsWith("/health/")) {
				this.healthy.set(!path.equals("/health/down"));
				return send(request, response, 200, "text/plain", bytes("health of " + this.name + " is now "
						+ (this.healthy.get() ? "up" : "down") + "\n"));
			}
			if (!read) {
				response.header(HttpHeaderNames.ALLOW, "GET, HEAD");
				// Drain what the client sent, then answer, so that the connection stays usable.
				return request.receive()
					.then(Mono.defer(() -> send(request, response, 405, "text/plain", bytes("GET or HEAD\n"))));
			}
			return switch (path) {
				case "/", "" -> send(request, response, 200, "text/plain; charset=utf-8", bytes(DemoUpstreams.this.index));
				case "/text" -> send(request, response, 200, "text/plain; charset=utf-8",
						bytes("Hello from Resty Gateway demo upstream " + this.name + "\n"));
				case "/json" -> send(request, response, 200, "application/json", DemoUpstreams.this.json);
				case "/health" -> this.healthy.get()
						? send(request, response, 200, "application/json", bytes("{\"status\":\"UP\"}\n"))
						: send(request, response, 503, "application/json", bytes("{\"status\":\"DOWN\"}\n"));
				case "/files/large.bin" -> file(request, response);
				default -> send(request, response, 404, "text/plain", bytes("no such demo path: " + path + "\n"));
			};
		}

		private Mono<Void> file(HttpServerRequest request, HttpServerResponse response) {
			DemoFile file = DemoUpstreams.this.file;
			DemoFile.Answer answer = file.answer(request.requestHeaders().get(HttpHeaderNames.IF_NONE_MATCH),
					request.requestHeaders().get(HttpHeaderNames.IF_RANGE),
					request.requestHeaders().get(HttpHeaderNames.RANGE));
			int total = file.content().length;
			response.header(HttpHeaderNames.ETAG, file.etag())
				.header(HttpHeaderNames.LAST_MODIFIED, file.lastModified())
				.header(HttpHeaderNames.ACCEPT_RANGES, "bytes");
			if (answer.status() == 304) {
				return response.status(HttpResponseStatus.NOT_MODIFIED).send();
			}
			if (answer.status() == 416) {
				response.header(HttpHeaderNames.CONTENT_RANGE, "bytes */" + total);
				return send(request, response, 416, "text/plain", new byte[0]);
			}
			if (answer.status() == 206) {
				response.header(HttpHeaderNames.CONTENT_RANGE, "bytes " + answer.offset() + "-"
						+ (answer.offset() + answer.length() - 1) + "/" + total);
			}
			response.status(answer.status())
				.header(HttpHeaderNames.CONTENT_TYPE, "application/octet-stream")
				.header(HttpHeaderNames.CONTENT_LENGTH, Integer.toString(answer.length()));
			if (request.method().equals(HttpMethod.HEAD)) {
				return response.send();
			}
			// Wrapped, not copied; in 64 KiB pieces so that a slow client holds no more than that.
			int chunk = 64 * 1024;
			return response.send(Flux.range(0, (answer.length() + chunk - 1) / chunk)
				.map(i -> Unpooled.wrappedBuffer(file.content(), answer.offset() + i * chunk,
						Math.min(chunk, answer.length() - i * chunk))))
				.then();
		}

		private Mono<Void> send(HttpServerRequest request, HttpServerResponse response, int status,
				String contentType, byte[] body) {
			response.status(status)
				.header(HttpHeaderNames.CONTENT_TYPE, contentType)
				.header(HttpHeaderNames.CONTENT_LENGTH, Integer.toString(body.length));
			if (request.method().equals(HttpMethod.HEAD) || body.length == 0) {
				return response.send();
			}
			return response.send(Mono.just(Unpooled.wrappedBuffer(body))).then();
		}

	}

	private static byte[] bytes(String text) {
		return text.getBytes(StandardCharsets.UTF_8);
	}

}
