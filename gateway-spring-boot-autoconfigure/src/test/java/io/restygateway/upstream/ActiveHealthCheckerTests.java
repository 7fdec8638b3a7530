package io.restygateway.upstream;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.restygateway.test.LoopbackHttpServer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Active checks against real loopback servers.
 */
class ActiveHealthCheckerTests {

	private final UpstreamRegistry registry = new UpstreamRegistry();

	private final ActiveHealthChecker checker = new ActiveHealthChecker(this.registry);

	private final AtomicInteger healthStatus = new AtomicInteger(200);

	private final LoopbackHttpServer live = startLive();

	private LoopbackHttpServer startLive() {
		try {
			return LoopbackHttpServer.start(exchange -> {
				int status = exchange.getRequestURI().getPath().equals("/health") ? this.healthStatus.get() : 404;
				exchange.sendResponseHeaders(status, -1);
				exchange.close();
			});
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	@AfterEach
	void stop() {
		this.checker.close();
		this.live.close();
	}

	private UpstreamDefinition definition(String type, int... ports) {
		UpstreamDefinition definition = new UpstreamDefinition();
		UpstreamDefinition.Level level = new UpstreamDefinition.Level();
		for (int port : ports) {
			level.getServers().add(UpstreamTests.server(port, 1));
		}
		definition.setLevels(new java.util.ArrayList<>(List.of(level)));
		UpstreamDefinition.Active active = definition.getHealth().getActive();
		active.setType(type);
		active.setPath("/health");
		active.setInterval(Duration.ofMillis(100));
		active.setTimeout(Duration.ofMillis(500));
		active.setHealthyThreshold(2);
		active.setUnhealthyThreshold(2);
		return definition;
	}

	private static Upstream.ServerReport report(Upstream upstream, int index) {
		return upstream.report().get(0).get(index);
	}

	@Test
	void httpChecksMarkServersOkAndErrWithTheirThresholds() throws IOException {
		this.registry.put(definition("http", this.live.port(), LoopbackHttpServer.freePort()).toSpec("shop"));
		this.checker.start();
		Upstream upstream = this.registry.get("shop");
		await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
			assertThat(report(upstream, 0).status()).isEqualTo(HealthStatus.OK);
			assertThat(report(upstream, 1).status()).isEqualTo(HealthStatus.ERR);
		});
		assertThat(report(upstream, 0).message()).isEqualTo("status 200");
		assertThat(report(upstream, 0).lastCheck()).isNotNull();
		assertThat(report(upstream, 1).message()).startsWith("connection refused");

		this.healthStatus.set(503);
		await().atMost(Duration.ofSeconds(5))
			.untilAsserted(() -> assertThat(report(upstream, 0).status()).isIn(HealthStatus.UNSTABLE, HealthStatus.ERR));
		// Protected: with every server failing, one stays selectable.
		assertThat(report(upstream, 0).status()).isEqualTo(HealthStatus.UNSTABLE);
		assertThat(report(upstream, 0).message()).isEqualTo("status 503");

		this.healthStatus.set(200);
		await().atMost(Duration.ofSeconds(5))
			.untilAsserted(() -> assertThat(report(upstream, 0).status()).isEqualTo(HealthStatus.OK));
	}

	@Test
	void intervalsAreJitteredByAtMostTenPercent() {
		java.util.Set<Duration> seen = new java.util.HashSet<>();
		for (int i = 0; i < 200; i++) {
			Duration jittered = ActiveHealthChecker.jittered(Duration.ofSeconds(2));
			assertThat(jittered).isBetween(Duration.ofMillis(1800), Duration.ofMillis(2200));
			seen.add(jittered);
		}
		assertThat(seen).hasSizeGreaterThan(10);
		assertThat(ActiveHealthChecker.jittered(Duration.ofMillis(5))).isEqualTo(Duration.ofMillis(5));
	}

	@Test
	void tcpChecksConnect() throws IOException {
		this.registry.put(definition("tcp", this.live.port(), LoopbackHttpServer.freePort()).toSpec("shop"));
		this.checker.start();
		Upstream upstream = this.registry.get("shop");
		await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
			assertThat(report(upstream, 0).status()).isEqualTo(HealthStatus.OK);
			assertThat(report(upstream, 1).status()).isEqualTo(HealthStatus.ERR);
		});
		assertThat(report(upstream, 0).message()).isEqualTo("connected");
	}

	@Test
	void anUpstreamReplacedAtRunTimeIsCheckedAndARemovedOneIsNot() throws IOException {
		this.checker.start();
		this.registry.put(definition("none", this.live.port()).toSpec("shop"));
		Upstream unchecked = this.registry.get("shop");
		this.registry.put(definition("http", this.live.port()).toSpec("shop"));
		Upstream checked = this.registry.get("shop");
		await().atMost(Duration.ofSeconds(5))
			.untilAsserted(() -> assertThat(report(checked, 0).status()).isEqualTo(HealthStatus.OK));
		assertThat(report(unchecked, 0).status()).isEqualTo(HealthStatus.UNCHECKED);

		this.registry.remove("shop");
		this.healthStatus.set(503);
		Upstream.ServerReport before = report(checked, 0);
		try {
			Thread.sleep(400);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		assertThat(report(checked, 0).status()).isEqualTo(HealthStatus.OK);
		assertThat(report(checked, 0).message()).isEqualTo(before.message());
	}

}
