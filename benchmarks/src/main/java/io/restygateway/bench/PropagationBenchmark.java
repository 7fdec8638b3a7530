package io.restygateway.bench;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.restygateway.test.ConsulKvServer;
import io.restygateway.test.LoopbackHttpServer;

/**
 * The propagation benchmark of issue 7: the time from a KV write to the first request served by the changed route,
 * over N writes, p50/p99. One JVM of {@code gateway-app.jar} per mode, against the in-process Consul KV server of
 * the test harness ({@code io.restygateway.test.ConsulKvServer}, reached over HTTP like an agent) and a loopback
 * backend:
 * <ul>
 * <li>{@code resty}: the live source, {@code resty.consul.enabled=true}; the route is the JSON document
 * {@code resty/routes/bench};</li>
 * <li>{@code scc}: Spring Cloud Consul Config, {@code spring.config.import=consul:}, its watch on; the route is
 * {@code spring.cloud.gateway.server.webflux.routes[0].*} as keys under {@code config/application/} (format
 * KEY_VALUE), and a change goes live through the watch's RefreshEvent: a context refresh, a rebind, a full
 * RefreshRoutesEvent.</li>
 * </ul>
 * Each write changes the value of the route's {@code AddResponseHeader=X-Bench-Version,<i>}; the driver then asks
 * {@code GET /bench/x} through the gateway every {@code --poll-ms} (5) until the answer carries {@code <i>}, at most
 * {@code --bound-s} (10) seconds (a write not seen by then counts as missed and as the bound). Writes are
 * {@code --gap-ms} (250) apart after the previous one was seen, so that each is measured alone.
 *
 * <p>Options: {@code --mode resty|scc}, {@code --jar}, {@code --java}, {@code --writes} (100), {@code --gap-ms},
 * {@code --poll-ms}, {@code --bound-s}, {@code --out} (folder for the samples and the gateway's log),
 * {@code --jvm-flags}, {@code --watch-delay-ms} (scc: {@code spring.cloud.consul.config.watch.delay}, default
 * Spring's 1000). Prints one line: {@code mode=... writes=... missed=... p50_ms=... p99_ms=... max_ms=...
 * mean_ms=... startup_s=...}.
 */
public final class PropagationBenchmark {

	private static final String HEADER = "X-Bench-Version";

	private PropagationBenchmark() {
	}

	public static void main(String[] args) throws Exception {
		Map<String, String> options = new LinkedHashMap<>();
		for (int i = 0; i + 1 < args.length; i += 2) {
			options.put(args[i].replaceFirst("^--", ""), args[i + 1]);
		}
		String mode = options.getOrDefault("mode", "resty");
		int writes = Integer.parseInt(options.getOrDefault("writes", "100"));
		long gapMs = Long.parseLong(options.getOrDefault("gap-ms", "250"));
		long pollMs = Long.parseLong(options.getOrDefault("poll-ms", "5"));
		long boundS = Long.parseLong(options.getOrDefault("bound-s", "10"));
		Path out = Path.of(options.getOrDefault("out", "."));
		Files.createDirectories(out);
		String jar = options.getOrDefault("jar", "gateway-app/target/gateway-app.jar");
		String java = options.getOrDefault("java", "java");
		String jvmFlags = options.getOrDefault("jvm-flags", "-Xmx512m");
		String watchDelay = options.getOrDefault("watch-delay-ms", "");

		LoopbackHttpServer backend = LoopbackHttpServer.start(exchange -> {
			exchange.getRequestBody().readAllBytes();
			byte[] body = "ok".getBytes(StandardCharsets.UTF_8);
			exchange.sendResponseHeaders(200, body.length);
			try (OutputStream response = exchange.getResponseBody()) {
				response.write(body);
			}
		});
		ConsulKvServer consul = ConsulKvServer.create();
		int port = LoopbackHttpServer.freePort();
		int managementPort = LoopbackHttpServer.freePort();
		Writer writer = "scc".equals(mode) ? new SccWriter(consul, backend.url()) : new RestyWriter(consul, backend.url());
		writer.write(0);

		List<String> command = new ArrayList<>();
		command.add(java);
		for (String flag : jvmFlags.trim().split("\\s+")) {
			if (!flag.isEmpty()) {
				command.add(flag);
			}
		}
		command.addAll(List.of("-jar", jar, "--server.port=" + port, "--management.server.port=" + managementPort,
				"--resty.demo.enabled=false", "--spring.cloud.consul.host=127.0.0.1",
				"--spring.cloud.consul.port=" + consul.port(), "--logging.level.root=WARN"));
		if ("scc".equals(mode)) {
			command.add("--spring.config.import=consul:127.0.0.1:" + consul.port());
			command.add("--spring.cloud.consul.config.watch.enabled=true");
			if (!watchDelay.isEmpty()) {
				command.add("--spring.cloud.consul.config.watch.delay=" + watchDelay);
			}
		}
		else {
			command.add("--resty.consul.enabled=true");
		}
		File log = out.resolve("gateway-" + mode + ".log").toFile();
		long launched = System.nanoTime();
		Process gateway = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log).start();
		HttpClient client = HttpClient.newBuilder()
			.version(HttpClient.Version.HTTP_1_1)
			.connectTimeout(Duration.ofSeconds(2))
			.build();
		URI uri = URI.create("http://127.0.0.1:" + port + "/bench/x");
		List<Double> samples = new ArrayList<>();
		int missed = 0;
		double startup;
		try {
			if (!awaitVersion(client, uri, 0, Duration.ofSeconds(180), pollMs, gateway)) {
				throw new IllegalStateException("gateway-app (" + mode + ") never served version 0; see " + log);
			}
			startup = (System.nanoTime() - launched) / 1e9;
			// A few unmeasured changes first: the first change compiles and loads code on both paths.
			for (int i = 1; i <= 3; i++) {
				writer.write(-i);
				awaitVersion(client, uri, -i, Duration.ofSeconds(boundS), pollMs, gateway);
				Thread.sleep(gapMs);
			}
			for (int i = 1; i <= writes; i++) {
				long written = System.nanoTime();
				writer.write(i);
				boolean seen = awaitVersion(client, uri, i, Duration.ofSeconds(boundS), pollMs, gateway);
				double ms = (System.nanoTime() - written) / 1e6;
				if (!seen) {
					missed++;
					ms = boundS * 1000.0;
				}
				samples.add(ms);
				Thread.sleep(gapMs);
			}
		}
		finally {
			gateway.destroy();
			if (!gateway.waitFor(20, TimeUnit.SECONDS)) {
				gateway.destroyForcibly();
			}
			consul.close();
			backend.close();
		}
		StringBuilder raw = new StringBuilder();
		for (double sample : samples) {
			raw.append(String.format(Locale.ROOT, "%.2f%n", sample));
		}
		Files.writeString(out.resolve("samples-" + mode + ".txt"), raw);
		List<Double> sorted = new ArrayList<>(samples);
		sorted.sort(Double::compare);
		double mean = samples.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
		System.out.printf(Locale.ROOT,
				"mode=%s writes=%d missed=%d p50_ms=%.1f p99_ms=%.1f max_ms=%.1f min_ms=%.1f mean_ms=%.1f startup_s=%.1f%n",
				mode, samples.size(), missed, percentile(sorted, 50), percentile(sorted, 99),
				sorted.get(sorted.size() - 1), sorted.get(0), mean, startup);
	}

	/** Nearest rank, as the other benchmark summaries. */
	static double percentile(List<Double> sorted, double p) {
		int rank = (int) Math.ceil(p / 100.0 * sorted.size());
		return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
	}

	private static boolean awaitVersion(HttpClient client, URI uri, int version, Duration bound, long pollMs,
			Process gateway) throws InterruptedException {
		long deadline = System.nanoTime() + bound.toNanos();
		String expected = Integer.toString(version);
		HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(2)).GET().build();
		while (System.nanoTime() < deadline) {
			if (!gateway.isAlive()) {
				throw new IllegalStateException("gateway-app exited with " + gateway.exitValue());
			}
			try {
				HttpResponse<Void> response = client.send(request, HttpResponse.BodyHandlers.discarding());
				if (response.statusCode() == 200
						&& expected.equals(response.headers().firstValue(HEADER).orElse(null))) {
					return true;
				}
			}
			catch (IOException ex) {
				// not listening yet, or a connection closed under us: ask again
			}
			Thread.sleep(pollMs);
		}
		return false;
	}

	private interface Writer {

		void write(int version);

	}

	/** The live source's layout: one JSON document per route. */
	private record RestyWriter(ConsulKvServer consul, String backend) implements Writer {

		@Override
		public void write(int version) {
			this.consul.put("resty/routes/bench", "{\"uri\":\"" + this.backend
					+ "\",\"predicates\":[\"Path=/bench/**\"],\"filters\":[\"AddResponseHeader=" + HEADER + ","
					+ version + "\"]}");
		}

	}

	/** Spring Cloud Consul Config's KEY_VALUE layout: one property per key under config/application/. */
	private record SccWriter(ConsulKvServer consul, String backend) implements Writer {

		private static final String ROUTE = "config/application/spring.cloud.gateway.server.webflux.routes[0].";

		@Override
		public void write(int version) {
			if (version == 0) {
				this.consul.put(ROUTE + "id", "bench");
				this.consul.put(ROUTE + "uri", this.backend);
				this.consul.put(ROUTE + "predicates[0]", "Path=/bench/**");
			}
			this.consul.put(ROUTE + "filters[0]", "AddResponseHeader=" + HEADER + "," + version);
		}

	}

}
