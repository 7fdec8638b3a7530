package io.restygateway.app;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import io.restygateway.test.LoopbackHttpServer;
import io.restygateway.upstream.HealthStatus;
import io.restygateway.upstream.Upstream;
import io.restygateway.upstream.UpstreamDefinition;
import io.restygateway.upstream.UpstreamRegistry;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A server killed and brought back under steady load, on loopback: no client sees an error for a GET with
 * {@code try} 2, the dead server is marked {@code err} within one active interval, and it takes traffic again
 * within two intervals of coming back. Bounded: four client threads for a few seconds, to 127.0.0.1 only.
 */
@SpringBootTest(classes = GatewayApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "management.server.port=0", "resty.demo.enabled=false",
				"spring.cloud.gateway.server.webflux.routes[0].id=steady",
				"spring.cloud.gateway.server.webflux.routes[0].uri=lb://steady",
				"spring.cloud.gateway.server.webflux.routes[0].predicates[0]=Path=/steady/**" })
class UpstreamFailoverUnderLoadTests {

	static final Duration INTERVAL = Duration.ofMillis(1000);

	/** Scheduling slack on a busy two-core machine, on top of the interval the behaviour promises. */
	static final Duration SLACK = Duration.ofMillis(1500);

	@LocalServerPort
	int port;

	@Autowired
	UpstreamRegistry registry;

	static final class Backend {

		final String name;

		final int port;

		final AtomicInteger served = new AtomicInteger();

		volatile HttpServer server;

		Backend(String name, int port) throws IOException {
			this.name = name;
			this.port = port;
			start();
		}

		static Backend start(String name) throws IOException {
			return new Backend(name, LoopbackHttpServer.freePort());
		}

		void start() throws IOException {
			HttpServer created = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), this.port), 64);
			created.setExecutor(Executors.newFixedThreadPool(4));
			created.createContext("/", exchange -> {
				byte[] body = this.name.getBytes(StandardCharsets.UTF_8);
				if (!exchange.getRequestURI().getPath().equals("/health")) {
					this.served.incrementAndGet();
				}
				exchange.sendResponseHeaders(200, body.length);
				exchange.getResponseBody().write(body);
				exchange.close();
			});
			created.start();
			this.server = created;
		}

		void kill() {
			this.server.stop(0);
			((ExecutorService) this.server.getExecutor()).shutdownNow();
		}

	}

	@Test
	void aServerKilledUnderLoadCostsNoClientAnErrorAndComesBack() throws Exception {
		Backend a = Backend.start("a");
		Backend b = Backend.start("b");
		UpstreamDefinition definition = new UpstreamDefinition();
		definition.getLevels().add(UpstreamRoutingTests.level(a.port, b.port));
		definition.setTry(2);
		UpstreamDefinition.Active active = definition.getHealth().getActive();
		active.setType("http");
		active.setPath("/health");
		active.setInterval(INTERVAL);
		active.setTimeout(Duration.ofMillis(500));
		active.setUnhealthyThreshold(1);
		active.setHealthyThreshold(2);
		definition.getHealth().getPassive().setFailTimeout(Duration.ofMillis(500));
		this.registry.put(definition.toSpec("steady"));
		Upstream upstream = this.registry.get("steady");

		AtomicBoolean running = new AtomicBoolean(true);
		ConcurrentHashMap<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
		List<String> errors = java.util.Collections.synchronizedList(new ArrayList<>());
		ExecutorService clients = Executors.newFixedThreadPool(4);
		List<Future<?>> load = new ArrayList<>();
		for (int t = 0; t < 4; t++) {
			load.add(clients.submit(() -> {
				HttpClient client = HttpClient.newBuilder()
					.version(HttpClient.Version.HTTP_1_1)
					.connectTimeout(Duration.ofSeconds(2))
					.build();
				HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + "/steady/x"))
					.timeout(Duration.ofSeconds(5))
					.build();
				int sent = 0;
				while (running.get() && sent++ < 5000) {
					try {
						int status = client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
						statuses.computeIfAbsent(status, s -> new AtomicInteger()).incrementAndGet();
					}
					catch (IOException ex) {
						errors.add(ex.toString());
					}
					catch (InterruptedException ex) {
						Thread.currentThread().interrupt();
						return;
					}
				}
			}));
		}
		try {
			Thread.sleep(1000);
			assertThat(a.served.get()).isPositive();
			a.kill();
			long killed = System.nanoTime();
			while (status(upstream, 0) != HealthStatus.ERR && elapsed(killed).compareTo(INTERVAL.plus(SLACK)) < 0) {
				Thread.sleep(20);
			}
			Duration markedAfter = elapsed(killed);
			assertThat(status(upstream, 0)).as("a is err %s after it died", markedAfter).isEqualTo(HealthStatus.ERR);
			System.out.println("a marked err " + markedAfter.toMillis() + " ms after it died");

			Thread.sleep(1000);
			int before = a.served.get();
			a.start();
			long revived = System.nanoTime();
			Duration limit = INTERVAL.multipliedBy(2).plus(SLACK);
			while (a.served.get() == before && elapsed(revived).compareTo(limit) < 0) {
				Thread.sleep(20);
			}
			Duration servingAfter = elapsed(revived);
			assertThat(a.served.get()).as("a serves again %s after it came back", servingAfter).isGreaterThan(before);
			System.out.println("a served again " + servingAfter.toMillis() + " ms after it came back");
			Thread.sleep(500);
		}
		finally {
			running.set(false);
			for (Future<?> future : load) {
				future.get(30, TimeUnit.SECONDS);
			}
			clients.shutdownNow();
			a.kill();
			b.kill();
		}
		System.out.println("answers by status: " + statuses);
		assertThat(errors).isEmpty();
		assertThat(statuses.keySet()).containsOnly(200);
		assertThat(statuses.get(200).get()).isGreaterThan(100);
	}

	private static HealthStatus status(Upstream upstream, int index) {
		return upstream.report().get(0).get(index).status();
	}

	private static Duration elapsed(long since) {
		return Duration.ofNanos(System.nanoTime() - since);
	}

}
