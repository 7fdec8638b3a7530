package io.restygateway.app;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import io.restygateway.edge.StreamedRequestSizeGatewayFilterFactory;
import io.restygateway.test.LoopbackHttpServer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code RequestSize} on a route, with and without a length: a body over the limit gets a 413 and the connection
 * closed, whether it says its length up front or is chunked, and the upstream never receives a whole body over the
 * limit. Raw sockets, so that the framing is exactly what is sent; a JDK HttpServer as the upstream, which records
 * every body it read to its end and every one it could not.
 */
class RequestSizeTests {

	/** The sizes of the bodies the upstream read to their end. */
	static final List<Integer> complete = new CopyOnWriteArrayList<>();

	/** How many bodies ended before their end: the gateway gave up on them. */
	static final AtomicInteger cut = new AtomicInteger();

	static LoopbackHttpServer backend;

	static ConfigurableApplicationContext gateway;

	@BeforeAll
	static void start() throws IOException {
		backend = LoopbackHttpServer.start(exchange -> {
			byte[] body;
			try (InputStream in = exchange.getRequestBody()) {
				body = in.readAllBytes();
			}
			catch (IOException ex) {
				cut.incrementAndGet();
				exchange.close();
				return;
			}
			complete.add(body.length);
			byte[] answer = ("read " + body.length).getBytes(StandardCharsets.US_ASCII);
			exchange.sendResponseHeaders(200, answer.length);
			exchange.getResponseBody().write(answer);
			exchange.close();
		});
		String r = "--spring.cloud.gateway.server.webflux.routes";
		gateway = new SpringApplicationBuilder(GatewayApplication.class).run("--server.port=0",
				"--server.address=127.0.0.1", "--management.server.port=0", "--resty.demo.enabled=false",
				"--spring.reactor.netty.shutdown-quiet-period=0s", r + "[0].id=sized", r + "[0].uri=" + backend.url(),
				r + "[0].predicates[0]=Path=/sized/**", r + "[0].filters[0]=RequestSize=1024", r + "[1].id=args",
				r + "[1].uri=" + backend.url(), r + "[1].predicates[0]=Path=/args/**",
				r + "[1].filters[0].name=RequestSize", r + "[1].filters[0].args.maxSize=1KB");
	}

	@AfterAll
	static void stop() {
		gateway.close();
		backend.close();
	}

	@BeforeEach
	void forget() {
		complete.clear();
		cut.set(0);
	}

	@Test
	void theRouteFilterIsOursUnderSpringCloudGatewaysName() {
		Object factory = gateway.getBean("requestSizeGatewayFilterFactory");
		assertThat(factory).isInstanceOf(StreamedRequestSizeGatewayFilterFactory.class);
		assertThat(((StreamedRequestSizeGatewayFilterFactory) factory).name()).isEqualTo("RequestSize");
	}

	@Test
	void aChunkedBodyOverTheLimitGets413AndTheConnectionClosedAndTheUpstreamNeverReadsItWhole() throws IOException {
		try (Socket socket = connect()) {
			OutputStream out = socket.getOutputStream();
			out.write(("POST /sized/up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n")
				.getBytes(StandardCharsets.US_ASCII));
			byte[] piece = new byte[512];
			// 64 KiB in chunks of 512 bytes: two pass, the third is over. The gateway may stop reading and close
			// before all of it is written.
			try {
				for (int i = 0; i < 128; i++) {
					out.write((Integer.toHexString(piece.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
					out.write(piece);
					out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
				}
				out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
				out.flush();
			}
			catch (SocketException closedWhileWriting) {
				// What a client that keeps sending after the answer sees; the answer is still to be read.
			}
			InputStream in = socket.getInputStream();
			RawHttp.Answer answer = RawHttp.read(in, false);
			assertThat(answer.status()).isEqualTo(413);
			assertThat(answer.header("Connection")).isEqualToIgnoringCase("close");
			assertThat(answer.header("errorMessage")).contains("1024");
			assertThat(endOf(in)).as("the connection is closed after the 413").isTrue();
		}
		await().atMost(Duration.ofSeconds(5))
			.untilAsserted(() -> assertThat(cut).as("the upstream saw the body end before its end").hasValue(1));
		assertThat(complete).as("no body reached the upstream whole").isEmpty();
	}

	@Test
	void aChunkedBodyWithinTheLimitIsForwardedWhole() throws IOException {
		try (Socket socket = connect()) {
			OutputStream out = socket.getOutputStream();
			out.write(("POST /sized/up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
					+ "200\r\n" + "x".repeat(512) + "\r\n" + "200\r\n" + "y".repeat(512) + "\r\n0\r\n\r\n")
				.getBytes(StandardCharsets.US_ASCII));
			out.flush();
			RawHttp.Answer answer = RawHttp.read(socket.getInputStream(), false);
			assertThat(answer.status()).isEqualTo(200);
			assertThat(answer.text()).isEqualTo("read 1024");
		}
		assertThat(complete).containsExactly(1024);
	}

	@ParameterizedTest
	@ValueSource(strings = { "sized", "args" })
	void aContentLengthOverTheLimitIsRefusedBeforeTheUpstreamIsAsked(String route) throws IOException {
		try (Socket socket = connect()) {
			OutputStream out = socket.getOutputStream();
			out.write(("POST /" + route + "/up HTTP/1.1\r\nHost: a\r\nContent-Length: 2048\r\n\r\n" + "z".repeat(2048))
				.getBytes(StandardCharsets.US_ASCII));
			out.flush();
			RawHttp.Answer answer = RawHttp.read(socket.getInputStream(), false);
			assertThat(answer.status()).isEqualTo(413);
			assertThat(answer.header("errorMessage")).contains("2.0 kB");
		}
		assertThat(complete).isEmpty();
		assertThat(cut).hasValue(0);
	}

	@Test
	void theConnectionStaysUsableAfterABodyWithinTheLimit() throws IOException {
		try (Socket socket = connect()) {
			OutputStream out = socket.getOutputStream();
			InputStream in = socket.getInputStream();
			for (int i = 0; i < 2; i++) {
				out.write(("POST /sized/up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
						+ "10\r\n" + "0123456789abcdef" + "\r\n0\r\n\r\n")
					.getBytes(StandardCharsets.US_ASCII));
				out.flush();
				RawHttp.Answer answer = RawHttp.read(in, false);
				assertThat(answer.status()).isEqualTo(200);
				assertThat(answer.text()).isEqualTo("read 16");
			}
		}
		await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(complete).containsExactly(16, 16));
	}

	private static Socket connect() throws IOException {
		int port = ((WebServerApplicationContext) gateway).getWebServer().getPort();
		Socket socket = new Socket("127.0.0.1", port);
		socket.setSoTimeout(10_000);
		return socket;
	}

	/** @return whether the peer closed the connection (reset counts: the gateway did not read the rest) */
	private static boolean endOf(InputStream in) throws IOException {
		try {
			return in.read() < 0;
		}
		catch (SocketException reset) {
			return true;
		}
	}

}
