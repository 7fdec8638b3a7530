package io.restygateway.app;

import java.io.InputStream;
import java.net.http.HttpResponse;
import java.util.List;

import com.github.luben.zstd.Zstd;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The status page's files, served from their precompressed {@code .zst} siblings to clients that take zstd
 * (zstd_static on), and the {@code .zst} files kept in step with their originals.
 */
@SpringBootTest(classes = GatewayApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "management.server.port=0", "resty.demo.enabled=false" })
class StatusPageTests {

	static final List<String> FILES = List.of("index.html", "resty.css");

	@LocalServerPort
	int port;

	static byte[] resource(String name) throws Exception {
		try (InputStream in = StatusPageTests.class.getResourceAsStream("/static/resty/" + name)) {
			assertThat(in).as(name).isNotNull();
			return in.readAllBytes();
		}
	}

	String url(String path) {
		return "http://127.0.0.1:" + this.port + path;
	}

	@Test
	void everyZstFileIsItsOriginalCompressed() throws Exception {
		for (String name : FILES) {
			byte[] original = resource(name);
			assertThat(Zstd.decompress(resource(name + ".zst"), original.length))
				.as("%s.zst is stale: run zstd -19 -f %s -o %s.zst in gateway-app/src/main/resources/static/resty",
						name, name, name)
				.isEqualTo(original);
		}
	}

	@Test
	void aClientThatTakesZstdGetsThePrecompressedFile() throws Exception {
		HttpResponse<byte[]> page = Http.get(url("/resty/index.html"), "Accept-Encoding", "gzip, zstd");
		assertThat(page.statusCode()).isEqualTo(200);
		assertThat(page.headers().firstValue("Content-Encoding")).hasValue("zstd");
		assertThat(page.headers().firstValue("Content-Type")).hasValueSatisfying(
				type -> assertThat(type).startsWith("text/html"));
		assertThat(page.headers().allValues("Vary")).contains("Accept-Encoding");
		assertThat(page.headers().firstValue("Content-Length"))
			.hasValue(Integer.toString(resource("index.html.zst").length));
		assertThat(page.body()).isEqualTo(resource("index.html.zst"));
		HttpResponse<byte[]> css = Http.get(url("/resty/resty.css"), "Accept-Encoding", "zstd");
		assertThat(css.headers().firstValue("Content-Type")).hasValueSatisfying(
				type -> assertThat(type).startsWith("text/css"));
		assertThat(Zstd.decompress(css.body(), resource("resty.css").length)).isEqualTo(resource("resty.css"));
	}

	@Test
	void aClientThatRefusesZstdGetsTheOriginalWithVary() throws Exception {
		for (String accept : new String[] { "zstd;q=0, gzip", "gzip" }) {
			HttpResponse<byte[]> page = Http.get(url("/resty/index.html"), "Accept-Encoding", accept);
			assertThat(page.headers().firstValue("Content-Encoding")).as(accept).isEmpty();
			assertThat(page.headers().allValues("Vary")).contains("Accept-Encoding");
			assertThat(page.body()).isEqualTo(resource("index.html"));
		}
	}

	@Test
	void aFileThatIsNotThereIsA404() throws Exception {
		assertThat(Http.get(url("/resty/missing.html"), "Accept-Encoding", "zstd").statusCode()).isEqualTo(404);
	}

}
