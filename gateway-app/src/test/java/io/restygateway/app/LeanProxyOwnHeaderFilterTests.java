package io.restygateway.app;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpHeaders;

import io.restygateway.proxy.LeanRoutingFilter;
import io.restygateway.test.LoopbackHttpServer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The lean routing with a header filter of the application's own: the stock header rules can no longer be done in
 * one pass, so the lean forwarder puts the headers through every filter one by one, as NettyRoutingFilter does. Two
 * gateways side by side, lean routing on and off, in front of one backend that answers with a length.
 */
class LeanProxyOwnHeaderFilterTests {

	static final Map<String, String> received = new ConcurrentHashMap<>();

	static LoopbackHttpServer backend;

	static ConfigurableApplicationContext lean;

	static ConfigurableApplicationContext scg;

	@BeforeAll
	static void start() {
		backend = LoopbackHttpServer.answering("text/plain", exchange -> {
			received.put(exchange.getRequestHeaders().getFirst("X-Pair"),
					String.valueOf(exchange.getRequestHeaders().getFirst("X-Own")));
			return ("answer to " + exchange.getRequestURI()).getBytes(StandardCharsets.UTF_8);
		});
		String r = "--spring.cloud.gateway.server.webflux.routes";
		String[] args = { "--server.port=0", "--server.address=127.0.0.1", "--management.server.port=0",
				"--resty.demo.enabled=false", "--spring.reactor.netty.shutdown-quiet-period=0s",
				r + "[0].id=framed-early", r + "[0].uri=" + backend.url(),
				r + "[0].predicates[0]=Path=/framed-early/**", r + "[0].filters[0]=ChunkedFirst" };
		Class<?>[] sources = { GatewayApplication.class, LeanProxyTests.TestFilterFactories.class,
				OwnHeaderFilter.class };
		lean = new SpringApplicationBuilder(sources).run(args);
		String[] off = Arrays.copyOf(args, args.length + 1);
		off[args.length] = "--resty.lean-proxy.enabled=false";
		scg = new SpringApplicationBuilder(sources).run(off);
	}

	@AfterAll
	static void stop() {
		lean.close();
		scg.close();
		backend.close();
	}

	@Test
	void theOwnFilterRunsAndAnAnswerWithALengthLosesTheChunkedFramingAFilterGaveIt() throws IOException {
		long before = lean.getBean(LeanRoutingFilter.class).routed();
		RawHttp.Answer viaLean = send(lean, "lean");
		RawHttp.Answer viaScg = send(scg, "scg");
		assertThat(lean.getBean(LeanRoutingFilter.class).routed()).as("the lean forwarder sent it")
			.isEqualTo(before + 1);
		assertThat(received).containsEntry("lean", "1").containsEntry("scg", "1");
		for (RawHttp.Answer answer : List.of(viaLean, viaScg)) {
			assertThat(answer.status()).isEqualTo(200);
			assertThat(answer.header("Content-Length")).isEqualTo("25");
			assertThat(answer.header("Transfer-Encoding")).as("%s", answer.head()).isNull();
			assertThat(answer.text()).isEqualTo("answer to /framed-early/x");
		}
		assertThat(withoutDate(viaLean)).isEqualTo(withoutDate(viaScg));
	}

	private static RawHttp.Answer send(ConfigurableApplicationContext gateway, String pair) throws IOException {
		int port = ((WebServerApplicationContext) gateway).getWebServer().getPort();
		try (Socket socket = new Socket("127.0.0.1", port)) {
			socket.setSoTimeout(10_000);
			String request = "GET /framed-early/x HTTP/1.1\r\nHost: gw.example\r\nX-Pair: " + pair + "\r\n\r\n";
			socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
			return RawHttp.read(socket.getInputStream(), false);
		}
	}

	private static String withoutDate(RawHttp.Answer answer) {
		return answer.head().replaceAll("(?im)^date:[^\r\n]*\r\n", "");
	}

	/** A request header filter of the application's own, beside the stock ones. */
	@Configuration(proxyBeanMethods = false)
	static class OwnHeaderFilter {

		@Bean
		HttpHeadersFilter ownHeaderFilter() {
			return (input, exchange) -> {
				HttpHeaders headers = new HttpHeaders();
				headers.addAll(input);
				headers.set("X-Own", "1");
				return headers;
			};
		}

	}

}
