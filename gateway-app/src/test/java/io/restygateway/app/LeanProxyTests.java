package io.restygateway.app;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.sun.net.httpserver.HttpExchange;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.OrderedGatewayFilter;
import org.springframework.cloud.gateway.filter.factory.AbstractGatewayFilterFactory;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.restygateway.proxy.LeanDispatchFilter;
import io.restygateway.proxy.LeanRoutingFilter;
import io.restygateway.proxy.LeanDispatchFilter.Path;
import io.restygateway.test.LoopbackHttpServer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The lean proxy path against Spring Cloud Gateway's own, side by side: two gateways with the same routes, one with
 * the lean path on (the default) and one with {@code resty.lean-proxy.enabled=false}, in front of one backend that
 * records what it was sent. For every kind of route and request, the backend must see the same request from both
 * and the client the same answer (status, headers but Date, body), and the lean gateway must have taken the path
 * this test names.
 */
class LeanProxyTests {

	static LoopbackHttpServer backend;

	/** What the backend was sent, by the test's request id (X-Pair), one entry per gateway. */
	static final Map<String, List<String>> received = new java.util.concurrent.ConcurrentHashMap<>();

	static final java.util.concurrent.atomic.AtomicInteger pairs = new java.util.concurrent.atomic.AtomicInteger();

	static ConfigurableApplicationContext lean;

	static ConfigurableApplicationContext scg;

	@BeforeAll
	static void start() throws IOException {
		backend = LoopbackHttpServer.start(LeanProxyTests::answer);
		int dead = LoopbackHttpServer.freePort();
		String r = "--spring.cloud.gateway.server.webflux.routes";
		String[] args = { "--server.port=0", "--server.address=127.0.0.1", "--management.server.port=0",
				"--resty.demo.enabled=false", "--spring.reactor.netty.shutdown-quiet-period=0s",
				r + "[0].id=plain", r + "[0].uri=" + backend.url(), r + "[0].predicates[0]=Path=/plain/**",
				r + "[1].id=filtered", r + "[1].uri=" + backend.url(), r + "[1].predicates[0]=Path=/filtered/**",
				r + "[1].filters[0]=AddResponseHeader=X-Filtered,yes",
				r + "[2].id=timeout", r + "[2].uri=" + backend.url(), r + "[2].predicates[0]=Path=/timeout/**",
				r + "[2].metadata.response-timeout=300",
				r + "[3].id=methods", r + "[3].uri=" + backend.url(), r + "[3].predicates[0]=Path=/methods/**",
				r + "[3].predicates[1]=Method=GET,POST",
				r + "[4].id=balanced", r + "[4].uri=lb://lean-up", r + "[4].predicates[0]=Path=/lb/**",
				"--resty.upstreams.lean-up.levels[0].servers[0].host=127.0.0.1",
				"--resty.upstreams.lean-up.levels[0].servers[0].port=" + backend.port(),
				r + "[5].id=dead", r + "[5].uri=http://127.0.0.1:" + dead, r + "[5].predicates[0]=Path=/dead/**",
				r + "[6].id=chained", r + "[6].uri=" + backend.url(), r + "[6].predicates[0]=Path=/chained/**",
				r + "[6].filters[0]=StripPrefix=1", r + "[6].filters[1]=AddRequestHeader=X-Added,1",
				r + "[6].metadata.response-timeout=300",
				r + "[7].id=chained-dead", r + "[7].uri=http://127.0.0.1:" + dead,
				r + "[7].predicates[0]=Path=/chained-dead/**", r + "[7].filters[0]=StripPrefix=1",
				r + "[8].id=retried", r + "[8].uri=" + backend.url(), r + "[8].predicates[0]=Path=/retried/**",
				r + "[8].filters[0]=Retry=2", r + "[8].metadata.response-timeout=300",
				r + "[9].id=unicode", r + "[9].uri=" + backend.url(), r + "[9].predicates[0]=Path=/unicode/**",
				r + "[9].filters[0]=PrefixPath=/caf\u00e9",
				r + "[10].id=late", r + "[10].uri=" + backend.url(), r + "[10].predicates[0]=Path=/late/**",
				r + "[10].filters[0]=LateHeader",
				r + "[11].id=framed-early", r + "[11].uri=" + backend.url(),
				r + "[11].predicates[0]=Path=/framed-early/**", r + "[11].filters[0]=ChunkedFirst" };
		lean = new SpringApplicationBuilder(GatewayApplication.class, TestFilterFactories.class).run(args);
		String[] off = java.util.Arrays.copyOf(args, args.length + 1);
		off[args.length] = "--resty.lean-proxy.enabled=false";
		scg = new SpringApplicationBuilder(GatewayApplication.class, TestFilterFactories.class).run(off);
	}

	@AfterAll
	static void stop() {
		if (lean != null) {
			lean.close();
		}
		if (scg != null) {
			scg.close();
		}
		if (backend != null) {
			backend.close();
		}
	}

	static void answer(HttpExchange exchange) throws IOException {
		byte[] body = exchange.getRequestBody().readAllBytes();
		StringBuilder seen = new StringBuilder(exchange.getRequestMethod() + " " + exchange.getRequestURI() + "\n");
		exchange.getRequestHeaders()
			.entrySet()
			.stream()
			.sorted(Map.Entry.comparingByKey(String.CASE_INSENSITIVE_ORDER))
			.forEach(header -> seen.append(header.getKey().toLowerCase(Locale.ROOT))
				.append(": ")
				.append(header.getValue())
				.append('\n'));
		seen.append("body ").append(new String(body, StandardCharsets.UTF_8));
		String pair = exchange.getRequestHeaders().getFirst("X-Pair");
		received.computeIfAbsent(pair == null ? "none" : pair, key -> new java.util.concurrent.CopyOnWriteArrayList<>())
			.add(seen.toString());
		String path = exchange.getRequestURI().getPath();
		if (path.contains("/slow-first")) {
			// The first try of each gateway (the backend's first and third request of a pair) is too slow.
			if (pair != null && received.get(pair).size() % 2 == 1) {
				sleep(1500);
			}
		}
		else if (path.contains("/slow")) {
			sleep(1500);
		}
		if (path.contains("/status/")) {
			int status = Integer.parseInt(path.substring(path.lastIndexOf('/') + 1));
			byte[] text = status == 599 ? "odd".getBytes(StandardCharsets.UTF_8) : new byte[0];
			exchange.sendResponseHeaders(status, status == 204 || status == 304 ? -1 : text.length);
			if (text.length > 0) {
				exchange.getResponseBody().write(text);
			}
			exchange.close();
			return;
		}
		exchange.getResponseHeaders().add("Content-Type", "text/plain;charset=UTF-8");
		exchange.getResponseHeaders().add("X-Up", "1");
		exchange.getResponseHeaders().add("Keep-Alive", "timeout=5");
		exchange.getResponseHeaders().add("Proxy-Authenticate", "Basic");
		exchange.getResponseHeaders().add("Set-Cookie", "a=1");
		exchange.getResponseHeaders().add("Set-Cookie", "b=2");
		byte[] text = ("answer to " + exchange.getRequestMethod() + " " + exchange.getRequestURI())
			.getBytes(StandardCharsets.UTF_8);
		boolean chunked = path.contains("/chunked");
		exchange.sendResponseHeaders(200, "HEAD".equals(exchange.getRequestMethod()) ? -1 : chunked ? 0 : text.length);
		if (!"HEAD".equals(exchange.getRequestMethod())) {
			OutputStream out = exchange.getResponseBody();
			out.write(text, 0, 5);
			out.flush();
			out.write(text, 5, text.length - 5);
		}
		exchange.close();
	}

	@Test
	void aPlainGetGoesLeanAndLooksTheSame() throws Exception {
		same(Path.LEAN, false, "GET /plain/a%20b/c?x=1&y=%2F HTTP/1.1\r\nHost: gw.example\r\n"
				+ "Connection: keep-alive, X-Hop\r\nX-Hop: drop me\r\nKeep-Alive: 5\r\nTE: trailers\r\n"
				+ "Proxy-Authorization: Basic eA==\r\nX-Forwarded-For: 10.1.2.3\r\nX-Forwarded-Proto: https\r\n"
				+ "Forwarded: for=10.1.2.3\r\nX-Custom: kept\r\nX-Custom: twice\r\nUser-Agent: lean-test\r\n\r\n");
	}

	@Test
	void aRequestWithoutUserAgentOrAcceptGetsTheClientDefaultsBothWays() throws Exception {
		same(Path.LEAN, false, "GET /plain/bare HTTP/1.1\r\nHost: gw.example\r\n\r\n");
	}

	@Test
	void bodiesGoLeanWithTheirFraming() throws Exception {
		same(Path.LEAN, false, "POST /plain/post HTTP/1.1\r\nHost: gw.example\r\nContent-Type: text/plain\r\n"
				+ "Content-Length: 11\r\n\r\nhello world");
		same(Path.LEAN, false, "POST /plain/chunky HTTP/1.1\r\nHost: gw.example\r\nContent-Type: text/plain\r\n"
				+ "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
		same(Path.LEAN, false, "PUT /plain/empty HTTP/1.1\r\nHost: gw.example\r\nContent-Length: 0\r\n\r\n");
	}

	@Test
	void answersOfEveryShapeGoLean() throws Exception {
		same(Path.LEAN, true, "HEAD /plain/head HTTP/1.1\r\nHost: gw.example\r\n\r\n");
		same(Path.LEAN, false, "GET /plain/chunked HTTP/1.1\r\nHost: gw.example\r\n\r\n");
		same(Path.LEAN, false, "GET /plain/status/204 HTTP/1.1\r\nHost: gw.example\r\n\r\n");
		same(Path.LEAN, false, "GET /plain/status/304 HTTP/1.1\r\nHost: gw.example\r\n\r\n");
		same(Path.LEAN, false, "GET /plain/status/404 HTTP/1.1\r\nHost: gw.example\r\n\r\n");
		same(Path.LEAN, false, "GET /plain/status/599 HTTP/1.1\r\nHost: gw.example\r\n\r\n");
	}

	@Test
	void aRouteWithTwoPredicatesGoesLean() throws Exception {
		same(Path.LEAN, false, "POST /methods/x HTTP/1.1\r\nHost: gw.example\r\nContent-Length: 2\r\n\r\nok");
		// DELETE matches neither this route nor another one: no route, the dispatcher's 404.
		same(Path.DISPATCHER, false, "DELETE /methods/x HTTP/1.1\r\nHost: gw.example\r\n\r\n");
	}

	@Test
	void theRouteResponseTimeoutHoldsOnTheLeanPath() throws Exception {
		Answer[] answers = same(Path.LEAN, false, "GET /timeout/slow HTTP/1.1\r\nHost: gw.example\r\n\r\n");
		assertThat(answers[0].status()).isEqualTo(504);
	}

	@Test
	void aDeadUpstreamFailsTheSameWay() throws Exception {
		Answer[] answers = same(Path.LEAN, false, "GET /dead/x HTTP/1.1\r\nHost: gw.example\r\n\r\n");
		assertThat(answers[0].status()).isGreaterThanOrEqualTo(500);
	}

	@Test
	void routesWithFiltersGoThroughTheFilterChain() throws Exception {
		Answer[] answers = same(Path.FILTER_CHAIN, false, "GET /filtered/x HTTP/1.1\r\nHost: gw.example\r\n\r\n");
		assertThat(answers[0].head()).contains("X-Filtered: yes");
		same(Path.FILTER_CHAIN, false, "GET /lb/x HTTP/1.1\r\nHost: gw.example\r\n\r\n");
	}

	@Test
	void inTheFilterChainTheLeanForwarderSendsTheRequest() throws Exception {
		long before = routed();
		same(Path.FILTER_CHAIN, false, "GET /filtered/x HTTP/1.1\r\nHost: gw.example\r\n\r\n");
		same(Path.FILTER_CHAIN, false, "GET /lb/x?y=1 HTTP/1.1\r\nHost: gw.example\r\n\r\n");
		same(Path.FILTER_CHAIN, false, "GET /chained/a%20b?x=%2F HTTP/1.1\r\nHost: gw.example\r\n"
				+ "Connection: keep-alive, X-Hop\r\nX-Hop: 1\r\nTE: trailers\r\nX-Forwarded-For: 10.0.0.1\r\n\r\n");
		same(Path.FILTER_CHAIN, false, "POST /chained/post HTTP/1.1\r\nHost: gw.example\r\nContent-Type: text/plain\r\n"
				+ "Content-Length: 5\r\n\r\nhello");
		same(Path.FILTER_CHAIN, false, "POST /chained/chunky HTTP/1.1\r\nHost: gw.example\r\n"
				+ "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
		same(Path.FILTER_CHAIN, true, "HEAD /chained/head HTTP/1.1\r\nHost: gw.example\r\n\r\n");
		same(Path.FILTER_CHAIN, false, "GET /chained/chunked HTTP/1.1\r\nHost: gw.example\r\n\r\n");
		same(Path.FILTER_CHAIN, false, "GET /chained/status/204 HTTP/1.1\r\nHost: gw.example\r\n\r\n");
		same(Path.FILTER_CHAIN, false, "GET /chained/status/599 HTTP/1.1\r\nHost: gw.example\r\n\r\n");
		assertThat(routed()).as("requests of the filter chain sent by the lean forwarder").isEqualTo(before + 9);
	}

	@Test
	void inTheFilterChainTheRouteResponseTimeoutHolds() throws Exception {
		long before = routed();
		Answer[] answers = same(Path.FILTER_CHAIN, false, "GET /chained/slow HTTP/1.1\r\nHost: gw.example\r\n\r\n");
		assertThat(answers[0].status()).isEqualTo(504);
		assertThat(routed()).isEqualTo(before + 1);
	}

	@Test
	void inTheFilterChainAResponseTimeoutIsRetriedAsSpringCloudGatewayRetriesIt() throws Exception {
		// Retry's default exceptions include Spring Cloud Gateway's TimeoutException, the one the lean forwarder
		// must raise (a java.util.concurrent one would not be retried).
		long before = routed();
		String pair = "p" + pairs.incrementAndGet();
		String request = "GET /retried/slow-first HTTP/1.1\r\nHost: gw.example\r\nX-Pair: " + pair + "\r\n\r\n";
		Answer viaLean = send(lean, request, false);
		assertThat(viaLean.status()).as("lean: %s", viaLean).isEqualTo(200);
		assertThat(received.get(pair)).as("the backend saw a try and a retry").hasSize(2);
		Answer viaScg = send(scg, request, false);
		assertThat(viaScg.status()).as("Spring Cloud Gateway: %s", viaScg).isEqualTo(200);
		assertThat(received.get(pair)).hasSize(4);
		assertThat(viaLean.text()).isEqualTo(viaScg.text());
		assertThat(routed()).as("both tries sent by the lean forwarder").isEqualTo(before + 2);
	}

	@Test
	void inTheFilterChainAPathOutsideAsciiGoesOutPercentEncoded() throws Exception {
		long before = routed();
		Answer[] answers = same(Path.FILTER_CHAIN, false, "GET /unicode/x HTTP/1.1\r\nHost: gw.example\r\n\r\n");
		assertThat(answers[0].text()).isEqualTo("answer to GET /caf%C3%A9/unicode/x");
		assertThat(routed()).isEqualTo(before + 1);
	}

	@Test
	void aRouteFilterOrderedInTheLeanRoutingsTurnRunsBeforeTheRequestGoesOut() throws Exception {
		long before = routed();
		same(Path.FILTER_CHAIN, false, "GET /late/x HTTP/1.1\r\nHost: gw.example\r\n\r\n");
		String pair = "p" + pairs.get();
		assertThat(received.get(pair)).allSatisfy(seen -> assertThat(seen).contains("x-late: [1]"));
		assertThat(routed()).as("the stock routing filter sent it").isEqualTo(before);
	}

	@Test
	void anAnswerWithALengthLosesTheChunkedFramingAFilterGaveItAsSpringCloudGatewayDrops() throws Exception {
		long before = routed();
		Answer[] answers = same(Path.FILTER_CHAIN, false, "GET /framed-early/x HTTP/1.1\r\nHost: gw.example\r\n\r\n");
		assertThat(answers[0].head()).containsIgnoringCase("content-length: ")
			.doesNotContainIgnoringCase("transfer-encoding");
		assertThat(answers[0].text()).isEqualTo("answer to GET /framed-early/x");
		assertThat(routed()).isEqualTo(before + 1);
	}

	@Test
	void inTheFilterChainADeadUpstreamFailsTheSameWay() throws Exception {
		Answer[] answers = same(Path.FILTER_CHAIN, false, "GET /chained-dead/x HTTP/1.1\r\nHost: gw.example\r\n\r\n");
		assertThat(answers[0].status()).isGreaterThanOrEqualTo(500);
	}

	@Test
	void aWebSocketUpgradeOnAPlainRouteGoesThroughTheFilterChain() throws Exception {
		long before = count(Path.FILTER_CHAIN);
		String upgrade = "GET /plain/ws HTTP/1.1\r\nHost: gw.example\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
				+ "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
		int leanStatus = send(lean, upgrade, false).status();
		int scgStatus = send(scg, upgrade, false).status();
		assertThat(leanStatus).isEqualTo(scgStatus);
		assertThat(count(Path.FILTER_CHAIN)).isEqualTo(before + 1);
	}

	@Test
	void noRouteIsTheDispatchersAffair() throws Exception {
		Answer[] answers = same(Path.DISPATCHER, false, "GET /nowhere HTTP/1.1\r\nHost: gw.example\r\n\r\n");
		assertThat(answers[0].status()).isEqualTo(404);
	}

	@Test
	void theManagementServerIsLeftAlone() throws Exception {
		long[] before = { count(Path.LEAN), count(Path.FILTER_CHAIN), count(Path.DISPATCHER) };
		int management = Integer.parseInt(lean.getEnvironment().getProperty("local.management.port"));
		RawHttp.Answer health = RawHttp.read(request(management, "GET /actuator/health HTTP/1.1\r\nHost: x\r\n\r\n"), false);
		assertThat(health.status()).isEqualTo(200);
		assertThat(new long[] { count(Path.LEAN), count(Path.FILTER_CHAIN), count(Path.DISPATCHER) })
			.containsExactly(before);
	}

	@Test
	void withTheLeanPathOffNothingIsDispatchedByIt() {
		assertThat(scg.getBeansOfType(LeanDispatchFilter.class)).isEmpty();
		assertThat(scg.getBeansOfType(LeanRoutingFilter.class)).isEmpty();
		assertThat(lean.getBeansOfType(LeanDispatchFilter.class)).hasSize(1);
		assertThat(lean.getBean(LeanRoutingFilter.class).report()).isEqualTo("lean routing in the filter chain: on");
	}

	/**
	 * Sends one request to both gateways and checks that the backend saw the same and the client got the same.
	 * @return the lean gateway's answer and Spring Cloud Gateway's
	 */
	private Answer[] same(Path path, boolean head, String request) throws Exception {
		long before = count(path);
		String pair = "p" + pairs.incrementAndGet();
		String tagged = request.replaceFirst("\r\n", "\r\nX-Pair: " + pair + "\r\n");
		Answer viaLean = send(lean, tagged, head);
		Answer viaScg = send(scg, tagged, head);
		assertThat(count(path)).as("requests that took the %s path", path).isEqualTo(before + 1);
		assertThat(viaLean.status()).as("status, lean %s, Spring Cloud Gateway %s", viaLean, viaScg)
			.isEqualTo(viaScg.status());
		List<String> seen = received.getOrDefault(pair, List.of());
		if (path == Path.DISPATCHER) {
			assertThat(seen).as("what the backend was sent: no route, nothing").isEmpty();
		}
		else if (!seen.isEmpty() || viaScg.status() < 500) {
			assertThat(seen).as("what the backend was sent").hasSize(2);
			assertThat(seen.get(0)).as("what the backend was sent").isEqualTo(seen.get(1));
		}
		assertThat(headers(viaLean)).isEqualTo(headers(viaScg));
		assertThat(stable(viaLean.text())).isEqualTo(stable(viaScg.text()));
		return new Answer[] { viaLean, viaScg };
	}

	private static long count(Path path) {
		return lean.getBean(LeanDispatchFilter.class).count(path);
	}

	private static long routed() {
		return lean.getBean(LeanRoutingFilter.class).routed();
	}

	private static Answer send(ConfigurableApplicationContext gateway, String request, boolean head)
			throws IOException {
		int port = ((WebServerApplicationContext) gateway).getWebServer().getPort();
		try (Socket socket = new Socket("127.0.0.1", port)) {
			socket.setSoTimeout(10_000);
			socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
			socket.getOutputStream().flush();
			RawHttp.Answer answer = RawHttp.read(socket.getInputStream(), head);
			return new Answer(answer.head(), answer.text());
		}
	}

	private static InputStream request(int port, String request) throws IOException {
		Socket socket = new Socket("127.0.0.1", port);
		socket.setSoTimeout(10_000);
		socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
		return socket.getInputStream();
	}

	/** A body less what differs between any two error answers: when, and the request's id. */
	private static String stable(String text) {
		return text.replaceAll("\"timestamp\":\"[^\"]*\"", "\"timestamp\":T").replaceAll("\"requestId\":\"[^\"]*\"", "\"requestId\":R");
	}

	/**
	 * The answer's header lines, but its Date, in order. An error answer's body holds its time, whose length varies
	 * (the fraction of a second loses its trailing zeros): its Content-Length is checked against its own body and
	 * then compared as such.
	 */
	private static List<String> headers(Answer answer) {
		List<String> lines = new ArrayList<>();
		String[] all = answer.head().split("\r\n");
		boolean timed = answer.text().contains("\"timestamp\"");
		for (int i = 1; i < all.length; i++) {
			if (all[i].isEmpty() || all[i].regionMatches(true, 0, "date:", 0, 5)) {
				continue;
			}
			if (timed && all[i].regionMatches(true, 0, "content-length:", 0, 15)) {
				assertThat(Integer.parseInt(all[i].substring(15).trim())).as("Content-Length of %s", answer)
					.isEqualTo(answer.text().getBytes(StandardCharsets.UTF_8).length);
				lines.add("Content-Length: (its body's)");
				continue;
			}
			lines.add(all[i]);
		}
		return lines;
	}

	private static void sleep(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	record Answer(String head, String text) {

		int status() {
			return Integer.parseInt(this.head.substring(9, 12));
		}

	}

	/** The route filters of these tests' own, as a user's application declares its filter factories. */
	@Configuration(proxyBeanMethods = false)
	public static class TestFilterFactories {

		@Bean
		LateHeaderGatewayFilterFactory lateHeaderGatewayFilterFactory() {
			return new LateHeaderGatewayFilterFactory();
		}

		@Bean
		ChunkedFirstGatewayFilterFactory chunkedFirstGatewayFilterFactory() {
			return new ChunkedFirstGatewayFilterFactory();
		}

	}

	/** A route filter in the lean routing's own turn (just before NettyRoutingFilter) that adds a request header. */
	static class LateHeaderGatewayFilterFactory extends
			AbstractGatewayFilterFactory<Object> {

		@Override
		public GatewayFilter apply(Object config) {
			return new OrderedGatewayFilter(
					(exchange, chain) -> chain.filter(exchange.mutate()
						.request(exchange.getRequest().mutate().header("X-Late", "1").build())
						.build()),
					LeanRoutingFilter.ORDER);
		}

	}

	/** A route filter that gives the answer chunked framing before the upstream answers (with a length). */
	static class ChunkedFirstGatewayFilterFactory extends AbstractGatewayFilterFactory<Object> {

		@Override
		public GatewayFilter apply(Object config) {
			return (exchange, chain) -> {
				exchange.getResponse().getHeaders().set("Transfer-Encoding", "chunked");
				return chain.filter(exchange);
			};
		}

	}

}
