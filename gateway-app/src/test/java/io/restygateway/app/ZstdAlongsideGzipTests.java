package io.restygateway.app;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.restygateway.test.LoopbackHttpServer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Zstd from {@code default-filters}, beside Spring Boot's own gzip ({@code server.compression}), as zstd-nginx-module beside nginx's gzip: zstd
 * wins whatever the order in Accept-Encoding, and an answer that Zstd leaves alone (below its min-length) is still
 * gzipped for a client that takes gzip. (Reactor Netty's own compressor, which server.compression turns on, also
 * offers zstd when zstd-jni is present, by its own rules: for a client that takes both, it picks zstd.)
 */
@SpringBootTest(classes = GatewayApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "management.server.port=0", "resty.demo.enabled=false", "server.compression.enabled=true",
				"server.compression.min-response-size=0", "server.compression.mime-types=text/html" })
class ZstdAlongsideGzipTests {

	static final byte[] HTML = CompressionTests.page(4096);

	static final LoopbackHttpServer backend = LoopbackHttpServer.answering("text/html",
			exchange -> exchange.getRequestURI().getPath().endsWith("/small") ? Arrays.copyOf(HTML, 500) : HTML);

	@LocalServerPort
	int port;

	@DynamicPropertySource
	static void routes(DynamicPropertyRegistry registry) {
		String prefix = "spring.cloud.gateway.server.webflux.routes[0].";
		registry.add(prefix + "id", () -> "site");
		registry.add(prefix + "uri", backend::url);
		registry.add(prefix + "predicates[0]", () -> "Path=/site/**");
		registry.add(prefix + "filters[0]", () -> "StripPrefix=1");
		// For every route, as default filters give it.
		registry.add("spring.cloud.gateway.server.webflux.default-filters[0]", () -> "Zstd=1,1024");
	}

	@AfterAll
	static void stop() {
		backend.close();
	}

	HttpResponse<byte[]> get(String path, String acceptEncoding) throws Exception {
		return HttpClient.newBuilder()
			.version(HttpClient.Version.HTTP_1_1)
			.build()
			.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + path))
				.timeout(Duration.ofSeconds(20))
				.header("Accept-Encoding", acceptEncoding)
				.build(), HttpResponse.BodyHandlers.ofByteArray());
	}

	@Test
	void zstdWinsWhateverTheOrder() throws Exception {
		for (String accept : new String[] { "zstd, gzip, br", "gzip, zstd, br" }) {
			HttpResponse<byte[]> answer = get("/site/page", accept);
			assertThat(answer.headers().allValues("Content-Encoding")).as(accept).containsExactly("zstd");
			assertThat(CompressionTests.unzstd(answer.body())).isEqualTo(HTML);
		}
	}

	@Test
	void belowZstdsMinLengthGzipStillApplies() throws Exception {
		HttpResponse<byte[]> answer = get("/site/small", "gzip");
		assertThat(answer.headers().allValues("Content-Encoding")).containsExactly("gzip");
		try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(answer.body()))) {
			assertThat(in.readAllBytes()).isEqualTo(Arrays.copyOf(HTML, 500));
		}
	}

}
