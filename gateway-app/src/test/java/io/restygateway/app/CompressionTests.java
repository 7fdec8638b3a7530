package io.restygateway.app;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import com.github.luben.zstd.Zstd;
import com.sun.net.httpserver.HttpExchange;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.cloud.gateway.route.builder.RouteLocatorBuilder;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.restygateway.compress.ZstdStreamDecoder;
import io.restygateway.test.LoopbackHttpServer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Zstd and Base64 filters end to end: zstd-nginx-module's and base64-nginx-module's cases and the spec's, through
 * the gateway to a real backend on loopback, with the bodies checked byte for byte.
 */
@SpringBootTest(classes = { GatewayApplication.class, CompressionTests.Modify.class },
		webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "management.server.port=0", "resty.demo.enabled=false" })
class CompressionTests {

	static final byte[] HTML = page(1024);

	static final CountDownLatch secondEvent = new CountDownLatch(1);

	static final LoopbackHttpServer backend = startBackend();

	static String[][] ROUTES = {
			// id, path, filters (';' between filters)
			// id, path, filters: shortcut form, or NAME{arg=value|arg=value} for the name/args form
			{ "zstd", "/z/**", "Zstd" }, { "zstd-all", "/za/**", "Zstd{level=3|types=*}" },
			{ "zstd-min", "/zm/**", "Zstd=1,1024" }, { "b64", "/b/**", "Base64" }, { "b64-max", "/bm/**", "Base64=6" },
			{ "both", "/bz/**", "Zstd{types=text/plain};Base64" },
			{ "both-all", "/bza/**", "Zstd{types=*};Base64" } };

	@LocalServerPort
	int port;

	@Autowired
	Environment environment;

	static byte[] page(int length) {
		StringBuilder page = new StringBuilder("<html><body>");
		while (page.length() < length - 15) {
			page.append("<p>resty gateway ").append(page.length()).append("</p>");
		}
		page.setLength(length - 15);
		return page.append("</body></html>\n").toString().getBytes(StandardCharsets.US_ASCII);
	}

	static LoopbackHttpServer startBackend() {
		try {
			return LoopbackHttpServer.start(CompressionTests::serve);
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	static void serve(HttpExchange exchange) throws IOException {
		String path = exchange.getRequestURI().getPath();
		exchange.getRequestBody().readAllBytes();
		var headers = exchange.getResponseHeaders();
		headers.add("Content-Type", "text/html; charset=utf-8");
		headers.add("ETag", "\"x\"");
		headers.add("Accept-Ranges", "bytes");
		boolean head = exchange.getRequestMethod().equals("HEAD");
		switch (path) {
			case "/html" -> send(exchange, 200, HTML, false, head);
			case "/small" -> send(exchange, 200, Arrays.copyOf(HTML, 19), false, head);
			case "/small-chunked" -> send(exchange, 200, Arrays.copyOf(HTML, 19), true, head);
			case "/gzip", "/identity" -> {
				headers.add("Content-Encoding", path.substring(1));
				send(exchange, 200, HTML, false, head);
			}
			case "/json" -> {
				headers.set("Content-Type", "application/json");
				send(exchange, 200, "{\"a\":1,\"b\":[1,2,3],\"c\":\"resty\"}".getBytes(StandardCharsets.UTF_8), false,
						head);
			}
			case "/zstd" -> {
				headers.add("Content-Encoding", "zstd");
				send(exchange, 200, Zstd.compress(HTML, 3), false, head);
			}
			case "/big" -> {
				// 8 MiB of text, chunked, written in 64 KiB pieces: long enough for a client to leave half way.
				exchange.sendResponseHeaders(200, 0);
				byte[] piece = page(64 * 1024);
				try (OutputStream out = exchange.getResponseBody()) {
					for (int i = 0; i < 128; i++) {
						out.write(piece);
						out.flush();
					}
				}
				catch (IOException ex) {
					// the gateway went away: expected when its client leaves
				}
				exchange.close();
			}
			case "/ticks" -> {
				// An endless event stream, one small event a millisecond, until the reader goes away.
				headers.set("Content-Type", "text/event-stream");
				exchange.sendResponseHeaders(200, 0);
				try (OutputStream out = exchange.getResponseBody()) {
					for (int i = 0; i < 5_000; i++) {
						out.write(("data: tick " + i + "\n\n").getBytes(StandardCharsets.US_ASCII));
						out.flush();
						Thread.sleep(1);
					}
				}
				catch (IOException ex) {
					// the gateway went away: expected when its client leaves
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
				exchange.close();
			}
			case "/broken" -> {
				// Promises 1 MiB and stops after 100 KiB.
				exchange.sendResponseHeaders(200, 1 << 20);
				exchange.getResponseBody().write(page(100 * 1024));
				exchange.getResponseBody().flush();
				// Closing the exchange short of the promised length makes the JDK server drop the connection.
				exchange.close();
			}
			case "/hello" -> {
				headers.set("Content-Type", "text/plain");
				send(exchange, 200, "hello world\n".getBytes(StandardCharsets.US_ASCII), false, head);
			}
			case "/hello-chunked" -> send(exchange, 200, "abcdefg\n".getBytes(StandardCharsets.US_ASCII), true, head);
			case "/seven" -> send(exchange, 200, "abcdef\n".getBytes(StandardCharsets.US_ASCII), false, head);
			case "/events" -> {
				headers.set("Content-Type", "text/event-stream");
				exchange.sendResponseHeaders(200, 0);
				OutputStream out = exchange.getResponseBody();
				out.write("data: first\n\n".getBytes(StandardCharsets.US_ASCII));
				out.flush();
				try {
					secondEvent.await(20, TimeUnit.SECONDS);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
				out.write("data: second\n\n".getBytes(StandardCharsets.US_ASCII));
				out.close();
			}
			default -> {
				if (path.startsWith("/status/")) {
					int status = Integer.parseInt(path.substring(8));
					if (status == 304 || status == 204) {
						exchange.sendResponseHeaders(status, -1);
						exchange.close();
					}
					else {
						if (status == 206) {
							headers.add("Content-Range", "bytes 0-1023/2048");
						}
						if (status == 302) {
							headers.add("Location", "/elsewhere");
						}
						send(exchange, status, HTML, false, head);
					}
				}
				else {
					send(exchange, 404, HTML, false, head);
				}
			}
		}
	}

	static void send(HttpExchange exchange, int status, byte[] body, boolean chunked, boolean head) throws IOException {
		if (head) {
			exchange.getResponseHeaders().set("Content-Length", Integer.toString(body.length));
			exchange.sendResponseHeaders(status, -1);
		}
		else {
			exchange.sendResponseHeaders(status, chunked ? 0 : body.length);
			exchange.getResponseBody().write(body);
		}
		exchange.close();
	}

	@DynamicPropertySource
	static void routes(DynamicPropertyRegistry registry) {
		for (int i = 0; i < ROUTES.length; i++) {
			String prefix = "spring.cloud.gateway.server.webflux.routes[" + i + "].";
			String[] route = ROUTES[i];
			registry.add(prefix + "id", () -> route[0]);
			registry.add(prefix + "uri", backend::url);
			registry.add(prefix + "predicates[0]", () -> "Path=" + route[1]);
			registry.add(prefix + "filters[0]", () -> "StripPrefix=1");
			String[] filters = route[2].split(";");
			for (int f = 0; f < filters.length; f++) {
				String filter = filters[f];
				String key = prefix + "filters[" + (f + 1) + "]";
				int brace = filter.indexOf('{');
				if (brace < 0) {
					registry.add(key, () -> filter);
					continue;
				}
				registry.add(key + ".name", () -> filter.substring(0, brace));
				for (String arg : filter.substring(brace + 1, filter.length() - 1).split("\\|")) {
					String[] pair = arg.split("=", 2);
					registry.add(key + ".args." + pair[0], () -> pair[1]);
				}
			}
		}
	}

	/** A ModifyResponseBody route, which needs a Java route: upper-case an upstream's zstd body. */
	@TestConfiguration
	static class Modify {

		@Bean
		RouteLocator modifyRoute(RouteLocatorBuilder routes) {
			return routes.routes()
				.route("modify", r -> r.path("/mod/**")
					.filters(f -> f.stripPrefix(1)
						.modifyResponseBody(String.class, String.class,
								(exchange, body) -> Mono.just(body.toUpperCase(java.util.Locale.ROOT))))
					.uri(backend.url()))
				.build();
		}

	}

	@AfterAll
	static void stop() {
		secondEvent.countDown();
		backend.close();
	}

	HttpResponse<byte[]> get(String path, String... headers) throws Exception {
		return send("GET", path, headers);
	}

	HttpResponse<byte[]> send(String method, String path, String... headers) throws Exception {
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + path))
			.timeout(Duration.ofSeconds(20))
			.method(method, HttpRequest.BodyPublishers.noBody());
		if (headers.length > 0) {
			request.headers(headers);
		}
		return HttpClient.newBuilder()
			.version(HttpClient.Version.HTTP_1_1)
			.build()
			.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
	}

	static String header(HttpResponse<?> response, String name) {
		return response.headers().firstValue(name).orElse(null);
	}

	static byte[] unzstd(byte[] frame) {
		java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
		try (ZstdStreamDecoder decoder = new ZstdStreamDecoder()) {
			decoder.write(ByteBuffer.wrap(frame), bytes -> {
				byte[] copy = new byte[bytes.remaining()];
				bytes.get(copy);
				out.writeBytes(copy);
			});
			decoder.finish();
		}
		return out.toByteArray();
	}

	@Test
	void anEligibleAnswerIsCompressedWithTheHeadersItNeeds() throws Exception {
		HttpResponse<byte[]> answer = get("/z/html", "Accept-Encoding", "gzip, zstd");
		assertThat(answer.statusCode()).isEqualTo(200);
		assertThat(header(answer, "Content-Encoding")).isEqualTo("zstd");
		assertThat(header(answer, "Content-Length")).isNull();
		assertThat(header(answer, "Accept-Ranges")).isNull();
		assertThat(header(answer, "ETag")).isEqualTo("W/\"x\"");
		assertThat(answer.headers().allValues("Vary")).contains("Accept-Encoding");
		assertThat(unzstd(answer.body())).isEqualTo(HTML);
	}

	@Test
	void aClientThatDoesNotTakeZstdGetsTheBytesAsTheyAreAndVary() throws Exception {
		for (String accept : new String[] { "gzip, br", "zstd;q=0, gzip" }) {
			HttpResponse<byte[]> answer = get("/z/html", "Accept-Encoding", accept);
			assertThat(header(answer, "Content-Encoding")).as(accept).isNull();
			assertThat(header(answer, "Content-Length")).isEqualTo(Integer.toString(HTML.length));
			assertThat(header(answer, "ETag")).isEqualTo("\"x\"");
			assertThat(answer.headers().allValues("Vary")).contains("Accept-Encoding");
			assertThat(answer.body()).isEqualTo(HTML);
		}
		HttpResponse<byte[]> none = get("/z/html");
		assertThat(header(none, "Content-Encoding")).isNull();
	}

	@Test
	void minLengthCountsOnlyAKnownLength() throws Exception {
		HttpResponse<byte[]> small = get("/z/small", "Accept-Encoding", "zstd");
		assertThat(header(small, "Content-Encoding")).isNull();
		assertThat(small.headers().allValues("Vary")).doesNotContain("Accept-Encoding");
		HttpResponse<byte[]> chunked = get("/z/small-chunked", "Accept-Encoding", "zstd");
		assertThat(header(chunked, "Content-Encoding")).isEqualTo("zstd");
		assertThat(unzstd(chunked.body())).isEqualTo(Arrays.copyOf(HTML, 19));
		assertThat(header(get("/zm/html", "Accept-Encoding", "zstd"), "Content-Encoding")).isEqualTo("zstd");
		assertThat(header(get("/zm/small-chunked", "Accept-Encoding", "zstd"), "Content-Encoding")).isEqualTo("zstd");
	}

	@Test
	void anAnswerWithAnEncodingOfItsOwnIsLeftAlone() throws Exception {
		for (String encoding : new String[] { "gzip", "identity" }) {
			HttpResponse<byte[]> answer = get("/z/" + encoding, "Accept-Encoding", "zstd");
			assertThat(header(answer, "Content-Encoding")).isEqualTo(encoding);
			assertThat(answer.body()).isEqualTo(HTML);
		}
	}

	@Test
	void onlyStatuses200And403And404AreCompressed() throws Exception {
		for (int status : new int[] { 206, 304, 204, 500, 302 }) {
			HttpResponse<byte[]> answer = get("/z/status/" + status, "Accept-Encoding", "zstd");
			assertThat(answer.statusCode()).isEqualTo(status);
			assertThat(header(answer, "Content-Encoding")).as("status %d", status).isNull();
		}
		for (int status : new int[] { 403, 404 }) {
			HttpResponse<byte[]> answer = get("/z/status/" + status, "Accept-Encoding", "zstd");
			assertThat(answer.statusCode()).isEqualTo(status);
			assertThat(header(answer, "Content-Encoding")).as("status %d", status).isEqualTo("zstd");
			assertThat(unzstd(answer.body())).isEqualTo(HTML);
		}
	}

	@Test
	void aRangeTheUpstreamIgnoredGetsTheWholeCompressedBody() throws Exception {
		HttpResponse<byte[]> answer = get("/z/html", "Accept-Encoding", "zstd", "Range", "bytes=0-9");
		assertThat(answer.statusCode()).isEqualTo(200);
		assertThat(header(answer, "Content-Range")).isNull();
		assertThat(unzstd(answer.body())).isEqualTo(HTML);
	}

	@Test
	void aHeadGetsTheHeadersAGetWouldGet() throws Exception {
		HttpResponse<byte[]> head = send("HEAD", "/z/html", "Accept-Encoding", "zstd");
		HttpResponse<byte[]> get = get("/z/html", "Accept-Encoding", "zstd");
		assertThat(head.statusCode()).isEqualTo(200);
		assertThat(head.body()).isEmpty();
		for (String name : new String[] { "Content-Encoding", "Content-Length", "ETag", "Accept-Ranges", "Vary" }) {
			assertThat(head.headers().allValues(name)).as(name).isEqualTo(get.headers().allValues(name));
		}
	}

	@Test
	void typesAreTextHtmlUnlessListedAndStarTakesAll() throws Exception {
		assertThat(header(get("/z/json", "Accept-Encoding", "zstd"), "Content-Encoding")).isNull();
	}

	@Test
	void anUpstreamZstdBodyIsDecodedForAClientThatDoesNotTakeZstd() throws Exception {
		HttpResponse<byte[]> plain = get("/z/zstd", "Accept-Encoding", "gzip");
		assertThat(header(plain, "Content-Encoding")).isNull();
		assertThat(header(plain, "Content-Length")).isNull();
		assertThat(header(plain, "ETag")).isEqualTo("W/\"x\"");
		assertThat(plain.headers().allValues("Vary")).contains("Accept-Encoding");
		assertThat(plain.body()).isEqualTo(HTML);
		HttpResponse<byte[]> zstd = get("/z/zstd", "Accept-Encoding", "zstd");
		assertThat(header(zstd, "Content-Encoding")).isEqualTo("zstd");
		assertThat(unzstd(zstd.body())).isEqualTo(HTML);
	}

	@Test
	void modifyResponseBodyWorksOnAZstdUpstreamBody() throws Exception {
		HttpResponse<byte[]> answer = get("/mod/zstd", "Accept-Encoding", "zstd");
		assertThat(header(answer, "Content-Encoding")).isEqualTo("zstd");
		assertThat(new String(unzstd(answer.body()), StandardCharsets.US_ASCII))
			.isEqualTo(new String(HTML, StandardCharsets.US_ASCII).toUpperCase(java.util.Locale.ROOT));
	}

	@Test
	void aStreamedAnswerIsNotHeldBack() throws Exception {
		// text/event-stream is listed on the zstd-all route (*): the first event must arrive, decodable, while the
		// upstream still holds the second.
		java.net.Socket socket = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), this.port);
		try (socket) {
			socket.setSoTimeout(10_000);
			socket.getOutputStream()
				.write("GET /za/events HTTP/1.1\r\nHost: x\r\nAccept-Encoding: zstd\r\n\r\n"
					.getBytes(StandardCharsets.US_ASCII));
			InputStream in = new java.io.BufferedInputStream(socket.getInputStream());
			StringBuilder head = new StringBuilder();
			while (!head.toString().endsWith("\r\n\r\n")) {
				head.append((char) in.read());
			}
			assertThat(head.toString().toLowerCase(java.util.Locale.ROOT)).contains("content-encoding: zstd");
			java.io.ByteArrayOutputStream decoded = new java.io.ByteArrayOutputStream();
			try (ZstdStreamDecoder decoder = new ZstdStreamDecoder()) {
				while (!decoded.toString(StandardCharsets.US_ASCII).contains("data: first\n\n")) {
					int size = Integer.parseInt(readLine(in).trim(), 16);
					byte[] chunk = in.readNBytes(size);
					readLine(in);
					decoder.write(ByteBuffer.wrap(chunk), bytes -> {
						byte[] copy = new byte[bytes.remaining()];
						bytes.get(copy);
						decoded.writeBytes(copy);
					});
				}
			}
			assertThat(decoded.toString(StandardCharsets.US_ASCII)).isEqualTo("data: first\n\n");
		}
		finally {
			secondEvent.countDown();
		}
	}

	static String readLine(InputStream in) throws IOException {
		StringBuilder line = new StringBuilder();
		int b;
		while ((b = in.read()) != '\n') {
			if (b < 0) {
				throw new java.io.EOFException(line.toString());
			}
			line.append((char) b);
		}
		return line.toString();
	}

	@Test
	void compressedAndDecodedAnswersKeepTheConnectionAlive() throws Exception {
		// The upstream sends a Content-Length, which the new body cannot keep: on HTTP/1.1 the answer goes chunked,
		// so that the client knows where it ends without the connection closing.
		try (java.net.Socket socket = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), this.port)) {
			socket.setSoTimeout(10_000);
			java.io.OutputStream out = socket.getOutputStream();
			InputStream in = new java.io.BufferedInputStream(socket.getInputStream());
			for (int round = 0; round < 3; round++) {
				out.write("GET /z/html HTTP/1.1\r\nHost: x\r\nAccept-Encoding: zstd\r\n\r\n"
					.getBytes(StandardCharsets.US_ASCII));
				RawHttp.Answer compressed = RawHttp.read(in, false);
				assertThat(compressed.header("Content-Encoding")).isEqualTo("zstd");
				assertThat(compressed.header("Transfer-Encoding")).isEqualTo("chunked");
				assertThat(compressed.header("Connection")).isNull();
				assertThat(unzstd(compressed.body())).isEqualTo(HTML);
				out.write("GET /z/zstd HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
				RawHttp.Answer decoded = RawHttp.read(in, false);
				assertThat(decoded.header("Content-Encoding")).isNull();
				assertThat(decoded.header("Connection")).isNull();
				assertThat(decoded.body()).isEqualTo(HTML);
			}
		}
	}

	@Test
	void aLongChunkedAnswerIsOneWholeFrame() throws Exception {
		HttpResponse<byte[]> whole = get("/za/big", "Accept-Encoding", "zstd");
		byte[] piece = page(64 * 1024);
		byte[] body = unzstd(whole.body());
		assertThat(body).hasSize(128 * piece.length);
		assertThat(Arrays.copyOfRange(body, 127 * piece.length, body.length)).isEqualTo(piece);
	}

	@Test
	void aClientThatLeavesHalfWayAndAnUpstreamThatBreaksOffLeaveNothingBehind() throws Exception {
		// Netty's leak detection runs at PARANOID in this JVM and fails the class on any buffer not released; the
		// native zstd context is freed with the answer.
		for (int round = 0; round < 5; round++) {
			try (java.net.Socket socket = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), this.port)) {
				socket.getOutputStream()
					.write("GET /za/big HTTP/1.1\r\nHost: x\r\nAccept-Encoding: zstd\r\n\r\n"
						.getBytes(StandardCharsets.US_ASCII));
				socket.getInputStream().readNBytes(2000);
			}
		}
		HttpResponse<byte[]> whole = get("/za/big", "Accept-Encoding", "zstd");
		assertThat(unzstd(whole.body())).hasSize(128 * 64 * 1024);
		try {
			HttpResponse<byte[]> broken = get("/za/broken", "Accept-Encoding", "zstd");
			// If an answer arrives at all, it must not pass for a whole one.
			assertThat(broken.body().length).isLessThan(1 << 20);
		}
		catch (IOException ex) {
			// The gateway cut the connection: the client learns that the body is incomplete.
		}
		assertThat(get("/z/html", "Accept-Encoding", "zstd").statusCode()).isEqualTo(200);
	}

	@Test
	void clientsThatLeaveAStreamedAnswerWhileEventsFlowLeaveNothingBehind() throws Exception {
		// A streamed (text/event-stream) answer is written group by group; a client that leaves while events are
		// still being compressed must not strand a compressed buffer between the filter and the connection. The
		// class fails on any leak (Netty's detector runs at PARANOID in this JVM).
		for (int round = 0; round < 40; round++) {
			for (String path : new String[] { "/za/ticks", "/bza/ticks" }) {
				try (java.net.Socket socket = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(),
						this.port)) {
					socket.setSoTimeout(10_000);
					socket.getOutputStream()
						.write(("GET " + path + " HTTP/1.1\r\nHost: x\r\nAccept-Encoding: zstd\r\n\r\n")
							.getBytes(StandardCharsets.US_ASCII));
					long start = System.nanoTime();
					assertThat(socket.getInputStream().readNBytes(200 + round * 10)).hasSize(200 + round * 10);
					// Events are flushed as they come (one a millisecond): these bytes take some 20 ms, the stream 5 s.
					assertThat(Duration.ofNanos(System.nanoTime() - start)).as(path).isLessThan(Duration.ofSeconds(1));
				}
			}
		}
		assertThat(get("/z/html", "Accept-Encoding", "zstd").statusCode()).isEqualTo(200);
	}

	@Test
	void theRatioOfEveryCompressedAnswerIsRecordedPerRoute() throws Exception {
		get("/z/html", "Accept-Encoding", "zstd");
		String url = "http://127.0.0.1:" + this.environment.getProperty("local.management.port")
				+ "/actuator/metrics/resty.zstd.ratio?tag=route:zstd";
		JsonNode metric = new JsonMapper().readTree(Http.getText(url).body());
		assertThat(metric.at("/measurements/0/value").asDouble()).as("count").isGreaterThanOrEqualTo(1);
		assertThat(metric.at("/measurements/2/value").asDouble()).as("max ratio").isGreaterThan(2);
	}

	@Test
	void base64AsTheOriginalsSanityTests() throws Exception {
		HttpResponse<byte[]> hello = get("/b/hello");
		assertThat(new String(hello.body(), StandardCharsets.US_ASCII)).isEqualTo("aGVsbG8gd29ybGQK\r\n");
		assertThat(header(hello, "Content-Transfer-Encoding")).isEqualTo("base64");
		assertThat(header(hello, "Content-Type")).isEqualTo("text/plain");
		assertThat(header(hello, "Content-Length")).isEqualTo("18");
		assertThat(header(hello, "ETag")).isEqualTo("W/\"x\"");
		assertThat(header(hello, "Accept-Ranges")).isNull();

		HttpResponse<byte[]> tooLong = get("/bm/seven");
		assertThat(header(tooLong, "Content-Transfer-Encoding")).isNull();
		assertThat(new String(tooLong.body(), StandardCharsets.US_ASCII)).isEqualTo("abcdef\n");
		HttpResponse<byte[]> unknownLength = get("/bm/hello-chunked");
		assertThat(new String(unknownLength.body(), StandardCharsets.US_ASCII)).isEqualTo("YWJjZGVmZwo=\r\n");

		HttpResponse<byte[]> page = get("/b/html");
		String text = new String(page.body(), StandardCharsets.US_ASCII);
		assertThat(text.split("\r\n")).allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(76));
		assertThat(java.util.Base64.getMimeDecoder().decode(text)).isEqualTo(HTML);
		for (int status : new int[] { 206, 304, 500 }) {
			assertThat(header(get("/b/status/" + status), "Content-Transfer-Encoding")).as("status %d", status)
				.isNull();
		}
	}

	@Test
	void withBothFiltersBase64EncodesFirstAndZstdCompressesTheText() throws Exception {
		HttpResponse<byte[]> answer = get("/bz/html", "Accept-Encoding", "zstd");
		assertThat(header(answer, "Content-Transfer-Encoding")).isEqualTo("base64");
		assertThat(header(answer, "Content-Encoding")).isEqualTo("zstd");
		assertThat(java.util.Base64.getMimeDecoder().decode(unzstd(answer.body()))).isEqualTo(HTML);
	}

	@Test
	void starTakesEveryType() throws Exception {
		HttpResponse<byte[]> json = get("/za/json", "Accept-Encoding", "zstd");
		assertThat(header(json, "Content-Encoding")).isEqualTo("zstd");
		assertThat(new String(unzstd(json.body()), StandardCharsets.UTF_8)).startsWith("{\"a\":1");
	}

}
