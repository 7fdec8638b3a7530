package io.restygateway.app;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * A plain JDK HTTP client for the tests: what a user's curl does, with a timeout so nothing hangs.
 *
 * <p>Every request gets a client, and so a connection, of its own. With one shared client, about one run in five
 * had a request on a reused connection wait 20 s for an answer right after a HEAD or a refused POST on that
 * connection (JDK 17's client); the same sequences on one connection from curl and from a raw socket are answered
 * at once, and {@code GatewayApplicationTests#keepAliveConnectionsStayInStep} checks them byte by byte.
 */
final class Http {

	private static HttpClient client() {
		return HttpClient.newBuilder()
			.connectTimeout(Duration.ofSeconds(5))
			.version(HttpClient.Version.HTTP_1_1)
			.build();
	}

	private Http() {
	}

	static HttpResponse<byte[]> get(String url, String... headers) throws IOException, InterruptedException {
		return send("GET", url, headers);
	}

	static HttpResponse<String> getText(String url, String... headers) throws IOException, InterruptedException {
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20));
		if (headers.length > 0) {
			request.headers(headers);
		}
		return client().send(request.GET().build(), HttpResponse.BodyHandlers.ofString());
	}

	static HttpResponse<String> sendJson(String method, String url, String json)
			throws IOException, InterruptedException {
		return client().send(HttpRequest.newBuilder(URI.create(url))
			.timeout(Duration.ofSeconds(20))
			.header("Content-Type", "application/json")
			.method(method, HttpRequest.BodyPublishers.ofString(json))
			.build(), HttpResponse.BodyHandlers.ofString());
	}

	static HttpResponse<byte[]> send(String method, String url, String... headers)
			throws IOException, InterruptedException {
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
			.timeout(Duration.ofSeconds(20))
			.method(method, HttpRequest.BodyPublishers.noBody());
		if (headers.length > 0) {
			request.headers(headers);
		}
		return client().send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
	}

}
