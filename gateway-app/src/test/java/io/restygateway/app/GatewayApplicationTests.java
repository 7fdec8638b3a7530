package io.restygateway.app;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;

import io.restygateway.core.RestyStartupReporter;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The app as a newcomer meets it: the embedded demo, with no Redis and no Consul anywhere.
 */
@SpringBootTest(classes = GatewayApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "management.server.port=0", "resty.demo.large-file-size=1MB" })
class GatewayApplicationTests {

	@LocalServerPort
	int port;

	@LocalManagementPort
	int managementPort;

	@Autowired
	RestyStartupReporter reporter;

	@Autowired
	reactor.netty.http.client.HttpClient gatewayHttpClient;

	String gateway(String path) {
		return "http://127.0.0.1:" + this.port + path;
	}

	String management(String path) {
		return "http://127.0.0.1:" + this.managementPort + "/actuator" + path;
	}

	@Test
	void everyDemoRouteAnswersThroughTheGateway() throws Exception {
		HttpResponse<String> index = Http.getText(gateway("/"));
		assertThat(index.statusCode()).isEqualTo(200);
		assertThat(index.body()).contains("Resty Gateway demo").contains("/demo/text");

		HttpResponse<String> text = Http.getText(gateway("/demo/text"));
		assertThat(text.statusCode()).isEqualTo(200);
		assertThat(text.body()).isEqualTo("Hello from Resty Gateway demo upstream a\n");
		assertThat(text.headers().firstValue("X-Demo-Server")).hasValue("a");

		HttpResponse<String> json = Http.getText(gateway("/demo/json"));
		assertThat(json.statusCode()).isEqualTo(200);
		assertThat(json.headers().firstValue("Content-Type")).hasValue("application/json");
		assertThat(json.body()).startsWith("{\"service\":\"resty-gateway-demo\"");

		HttpResponse<String> health = Http.getText(gateway("/demo/health"));
		assertThat(health.statusCode()).isEqualTo(200);
		assertThat(health.body()).contains("\"UP\"");

		assertThat(Http.getText(gateway("/demo/nothing-here")).statusCode()).isEqualTo(404);

		HttpResponse<byte[]> zstd = Http.get(gateway("/demo/zstd/json"), "Accept-Encoding", "zstd");
		assertThat(zstd.headers().firstValue("Content-Encoding")).hasValue("zstd");
		assertThat(new String(com.github.luben.zstd.Zstd.decompress(zstd.body(), 1 << 20),
				java.nio.charset.StandardCharsets.UTF_8)).isEqualTo(json.body());
		HttpResponse<String> base64 = Http.getText(gateway("/demo/base64/text"));
		assertThat(base64.headers().firstValue("Content-Transfer-Encoding")).hasValue("base64");
		assertThat(new String(java.util.Base64.getMimeDecoder().decode(base64.body()),
				java.nio.charset.StandardCharsets.UTF_8)).isEqualTo(text.body());
		HttpResponse<byte[]> direct = Http.get(gateway("/demo/files/large.bin"), "Range", "bytes=500000-500099");
		HttpResponse<byte[]> sliced = Http.get(gateway("/demo/sliced/files/large.bin"), "Range",
				"bytes=500000-500099");
		assertThat(sliced.statusCode()).isEqualTo(206);
		assertThat(sliced.headers().firstValue("Content-Range")).isEqualTo(direct.headers().firstValue("Content-Range"));
		assertThat(sliced.body()).isEqualTo(direct.body());
		HttpResponse<String> limited = Http.getText(gateway("/demo/limited/text"));
		assertThat(limited.statusCode()).isEqualTo(200);
		assertThat(limited.headers().firstValue("RateLimit-Limit")).hasValue("5");
	}

	@Test
	void theDemoUpstreamsBalanceByWeightAndKeepAUserOnOneServer() throws Exception {
		StringBuilder servers = new StringBuilder();
		for (int i = 0; i < 6; i++) {
			servers.append(Http.getText(gateway("/demo/lb/text")).headers().firstValue("X-Demo-Server").orElse("?"));
		}
		assertThat(servers).hasToString("abaaba");
		String alice = Http.getText(gateway("/demo/hash/text"), "X-User-Id", "alice").headers()
			.firstValue("X-Demo-Server")
			.orElseThrow();
		for (int i = 0; i < 5; i++) {
			assertThat(Http.getText(gateway("/demo/hash/json"), "X-User-Id", "alice").headers()
				.firstValue("X-Demo-Server")).hasValue(alice);
		}
	}

	@Test
	void theLargeFileHonoursRangesAndValidators() throws Exception {
		HttpResponse<byte[]> full = Http.get(gateway("/demo/files/large.bin"));
		assertThat(full.statusCode()).isEqualTo(200);
		assertThat(full.body()).hasSize(1024 * 1024);
		assertThat(full.headers().firstValue("Accept-Ranges")).hasValue("bytes");
		String etag = full.headers().firstValue("ETag").orElseThrow();
		String lastModified = full.headers().firstValue("Last-Modified").orElseThrow();
		assertThat(etag).startsWith("\"").endsWith("\"");

		HttpResponse<byte[]> range = Http.get(gateway("/demo/files/large.bin"), "Range", "bytes=1000-1999");
		assertThat(range.statusCode()).isEqualTo(206);
		assertThat(range.headers().firstValue("Content-Range")).hasValue("bytes 1000-1999/1048576");
		assertThat(range.body()).isEqualTo(Arrays.copyOfRange(full.body(), 1000, 2000));

		HttpResponse<byte[]> suffix = Http.get(gateway("/demo/files/large.bin"), "Range", "bytes=-10");
		assertThat(suffix.statusCode()).isEqualTo(206);
		assertThat(suffix.body()).isEqualTo(Arrays.copyOfRange(full.body(), 1048566, 1048576));

		HttpResponse<byte[]> beyond = Http.get(gateway("/demo/files/large.bin"), "Range", "bytes=2000000-");
		assertThat(beyond.statusCode()).isEqualTo(416);
		assertThat(beyond.headers().firstValue("Content-Range")).hasValue("bytes */1048576");

		assertThat(Http.get(gateway("/demo/files/large.bin"), "If-None-Match", etag).statusCode()).isEqualTo(304);

		HttpResponse<byte[]> sameByDate = Http.get(gateway("/demo/files/large.bin"), "Range", "bytes=0-9",
				"If-Range", lastModified);
		assertThat(sameByDate.statusCode()).isEqualTo(206);
		HttpResponse<byte[]> stale = Http.get(gateway("/demo/files/large.bin"), "Range", "bytes=0-9", "If-Range",
				"\"some-other-version\"");
		assertThat(stale.statusCode()).isEqualTo(200);
		assertThat(stale.body()).hasSize(1024 * 1024);
		HttpResponse<byte[]> weak = Http.get(gateway("/demo/files/large.bin"), "Range", "bytes=0-9", "If-Range",
				"W/" + etag);
		assertThat(weak.statusCode()).isEqualTo(200);

		HttpResponse<byte[]> head = Http.send("HEAD", gateway("/demo/files/large.bin"));
		assertThat(head.statusCode()).isEqualTo(200);
		assertThat(head.headers().firstValue("Content-Length")).hasValue("1048576");
		assertThat(head.body()).isEmpty();
	}

	@Test
	void healthIsUpWithoutRedisOrConsul() throws Exception {
		HttpResponse<String> health = Http.getText(management("/health"));
		assertThat(health.statusCode()).isEqualTo(200);
		assertThat(health.body()).contains("\"status\":\"UP\"").doesNotContain("\"redis\"").doesNotContain("\"consul\"");
	}

	@Test
	void operatorsEndpointsAreOnTheManagementPort() throws Exception {
		HttpResponse<String> routes = Http.getText(management("/gateway/routes"));
		assertThat(routes.statusCode()).isEqualTo(200);
		assertThat(routes.body()).contains("demo-index", "demo-text", "demo-json", "demo-files", "demo-health",
				"demo-lb", "demo-hash");
		HttpResponse<String> upstreams = Http.getText(management("/upstreams"));
		assertThat(upstreams.statusCode()).isEqualTo(200);
		assertThat(upstreams.body()).contains("\"demo-weighted\"", "\"demo-hash\"");

		assertThat(Http.getText(management("/info")).statusCode()).isEqualTo(200);
		HttpResponse<String> metrics = Http.getText(management("/metrics"));
		assertThat(metrics.statusCode()).isEqualTo(200);
		assertThat(metrics.body()).contains("jvm.memory.used");

		// The gateway endpoint is read-only: nobody rewrites routes through it by accident.
		HttpResponse<byte[]> refresh = Http.send("POST", management("/gateway/refresh"));
		assertThat(refresh.statusCode()).isBetween(400, 499);
		HttpResponse<byte[]> delete = Http.send("DELETE", management("/gateway/routes/demo-text"));
		assertThat(delete.statusCode()).isBetween(400, 499);
		assertThat(Http.getText(gateway("/demo/text")).statusCode()).isEqualTo(200);

		// And they are not on the public port.
		assertThat(Http.getText(gateway("/actuator/health")).statusCode()).isEqualTo(404);
	}

	@Test
	void theStartupReportNamesTheUrlsAndEachFeature() {
		assertThat(this.reporter.lines()).first()
			.asString()
			.contains("http://localhost:" + this.port)
			.contains("http://127.0.0.1:" + this.managementPort + "/actuator");
		assertThat(this.reporter.lines()).anySatisfy(line -> assertThat(line).startsWith("  demo: routes /"));
		assertThat(this.reporter.lines())
			.anySatisfy(line -> assertThat(line).contains("redis: not configured").contains("consul: not configured"));
		// The tests run Netty's buffers as the packaged jar does (the build's argLine opens java.nio).
		assertThat(this.reporter.lines()).anySatisfy(
				line -> assertThat(line).startsWith("  netty: ").endsWith(", direct buffers freed by Netty"));
	}

	@Test
	@SuppressWarnings("deprecation") // maxChunkSize: deprecated for Netty 5 only
	void theGatewaysHttpClientHandsOnBodyPiecesOfUpTo64KiB() throws Exception {
		// Spring Cloud Gateway's own client, which both its routing filter and the lean path use.
		assertThat(this.gatewayHttpClient.configuration().decoder().maxChunkSize()).isEqualTo(65536);
		// And a large answer still arrives whole.
		HttpResponse<byte[]> large = Http.get(gateway("/demo/files/large.bin"));
		assertThat(large.statusCode()).isEqualTo(200);
		assertThat(large.body()).hasSize(1024 * 1024);
	}

	@Test
	void keepAliveConnectionsStayInStep() throws Exception {
		String etag = Http.get(gateway("/demo/files/large.bin")).headers().firstValue("ETag").orElseThrow();
		try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), this.port)) {
			socket.setSoTimeout(5000);
			OutputStream out = socket.getOutputStream();
			InputStream in = new java.io.BufferedInputStream(socket.getInputStream());
			// One connection: a 304, a HEAD, a 416, a refused POST, then a GET must each get exactly its answer.
			String[] requests = { "GET /demo/files/large.bin HTTP/1.1\r\nHost: x\r\nIf-None-Match: " + etag + "\r\n\r\n",
					"HEAD /demo/files/large.bin HTTP/1.1\r\nHost: x\r\n\r\n",
					"GET /demo/files/large.bin HTTP/1.1\r\nHost: x\r\nRange: bytes=2000000-\r\n\r\n",
					"POST /demo/text HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
					"GET /demo/text HTTP/1.1\r\nHost: x\r\n\r\n" };
			String[] statuses = { "HTTP/1.1 304", "HTTP/1.1 200", "HTTP/1.1 416", "HTTP/1.1 405", "HTTP/1.1 200" };
			boolean[] headOnly = { true, true, false, false, false };
			for (int i = 0; i < requests.length; i++) {
				out.write(requests[i].getBytes(StandardCharsets.US_ASCII));
				out.flush();
				String head = readHead(in);
				assertThat(head).as(requests[i]).startsWith(statuses[i]);
				int length = contentLength(head);
				byte[] body = headOnly[i] ? new byte[0] : in.readNBytes(length);
				if (i == requests.length - 1) {
					assertThat(new String(body, StandardCharsets.UTF_8))
						.isEqualTo("Hello from Resty Gateway demo upstream a\n");
				}
			}
		}
	}

	private static String readHead(InputStream in) throws java.io.IOException {
		StringBuilder head = new StringBuilder();
		while (!head.toString().endsWith("\r\n\r\n")) {
			int b = in.read();
			if (b < 0) {
				throw new java.io.EOFException("connection closed after: " + head);
			}
			head.append((char) b);
		}
		return head.toString();
	}

	private static int contentLength(String head) {
		for (String line : head.split("\r\n")) {
			if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
				return Integer.parseInt(line.substring(15).trim());
			}
		}
		return 0;
	}

	@Test
	void aMalformedRequestGetsA400AndTheConnectionIsNotLeftHanging() throws Exception {
		try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), this.port)) {
			socket.setSoTimeout(5000);
			OutputStream out = socket.getOutputStream();
			out.write("GET /demo/text HTTP/1.1\r\nHost: x\r\nBad Header Line Without Colon\r\n\r\n"
				.getBytes(StandardCharsets.US_ASCII));
			out.flush();
			InputStream in = socket.getInputStream();
			String answer = new String(in.readNBytes(12), StandardCharsets.US_ASCII);
			assertThat(answer).isEqualTo("HTTP/1.1 400");
		}
	}

}
