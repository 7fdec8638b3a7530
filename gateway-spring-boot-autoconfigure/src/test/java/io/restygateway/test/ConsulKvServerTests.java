package io.restygateway.test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import com.jayway.jsonpath.JsonPath;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIOException;

/**
 * The stand-in checked against the spec ({@code shared/spec/consul-kv-api.md}) with nothing but the JDK's HTTP
 * client, so that what the gateway's client is tested against is itself what Consul answers.
 */
class ConsulKvServerTests {

	private final HttpClient http = HttpClient.newBuilder()
		.version(HttpClient.Version.HTTP_1_1)
		.connectTimeout(Duration.ofSeconds(2))
		.build();

	private ConsulKvServer consul;

	@BeforeEach
	void start() throws IOException {
		this.consul = ConsulKvServer.create();
		this.consul.jitter(false);
	}

	@AfterEach
	void stop() {
		this.consul.close();
	}

	private HttpResponse<String> send(String method, String pathAndQuery, String body) throws Exception {
		HttpRequest request = HttpRequest.newBuilder(URI.create(this.consul.url() + pathAndQuery))
			.timeout(Duration.ofSeconds(10))
			.method(method, body == null ? BodyPublishers.noBody() : BodyPublishers.ofString(body))
			.build();
		return this.http.send(request, BodyHandlers.ofString());
	}

	private HttpResponse<String> get(String pathAndQuery) throws Exception {
		return send("GET", pathAndQuery, null);
	}

	private static long index(HttpResponse<?> response) {
		// The JDK client's headers are case-insensitive, as a Consul client's must be.
		return Long.parseUnsignedLong(response.headers().firstValue("x-consul-index").orElseThrow());
	}

	@Test
	void getAnswersAOneElementArrayWithBase64ValueInGoFieldOrder() throws Exception {
		assertThat(send("PUT", "/v1/kv/config/app/x", "test").body()).isEqualTo("true");
		HttpResponse<String> response = get("/v1/kv/config/app/x");
		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
		String body = response.body();
		assertThat(body).startsWith("[{\"LockIndex\":0,\"Key\":\"config/app/x\",\"Flags\":0,\"Value\":\"dGVzdA==\",")
			.doesNotContain("Session");
		long modify = ((Number) JsonPath.read(body, "$[0].ModifyIndex")).longValue();
		assertThat(((Number) JsonPath.read(body, "$[0].CreateIndex")).longValue()).isEqualTo(modify);
		assertThat(index(response)).isEqualTo(modify);
		assertThat(response.headers().firstValue("X-Consul-KnownLeader")).hasValue("true");
		assertThat(response.headers().firstValue("X-Consul-LastContact")).hasValue("0");
		assertThat(response.headers().firstValue("X-Consul-Default-Acl-Policy")).hasValue("allow");
	}

	@Test
	void anEmptyValueIsNullAndRawGivesTheBytes() throws Exception {
		send("PUT", "/v1/kv/folder/", "");
		send("PUT", "/v1/kv/bin", null);
		this.consul.put("text", "héllo");
		assertThat((Object) JsonPath.read(get("/v1/kv/folder/").body(), "$[0].Value")).isNull();
		assertThat(get("/v1/kv/folder/").body()).contains("\"Value\":null");
		HttpResponse<String> raw = get("/v1/kv/text?raw");
		assertThat(raw.body()).isEqualTo("héllo");
		assertThat(raw.headers().firstValue("Content-Type")).hasValue("text/plain");
		assertThat(raw.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
		assertThat(raw.headers().firstValue("Content-Security-Policy")).hasValue("sandbox");
		String encoded = JsonPath.read(get("/v1/kv/text").body(), "$[0].Value");
		assertThat(new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8)).isEqualTo("héllo");
	}

	@Test
	void aMissingKeyIs404WithTheCurrentIndexAndNoBody() throws Exception {
		this.consul.put("a", "1");
		this.consul.put("b", "2");
		HttpResponse<String> response = get("/v1/kv/missing");
		assertThat(response.statusCode()).isEqualTo(404);
		assertThat(response.body()).isEmpty();
		assertThat(response.headers().firstValue("Content-Type")).isEmpty();
		assertThat(index(response)).isEqualTo(this.consul.kvIndex());
		// A fresh server has written nothing: the index is never 0.
		try (ConsulKvServer fresh = ConsulKvServer.create()) {
			HttpResponse<String> empty = this.http.send(
					HttpRequest.newBuilder(URI.create(fresh.url() + "/v1/kv/config/?recurse")).build(),
					BodyHandlers.ofString());
			assertThat(empty.statusCode()).isEqualTo(404);
			assertThat(index(empty)).isEqualTo(1);
		}
	}

	@Test
	void recurseIsAStringPrefixMatchSortedByKey() throws Exception {
		this.consul.put("apple/x", "1");
		this.consul.put("app/b", "2");
		this.consul.put("app/a", "3");
		this.consul.put("banana", "4");
		HttpResponse<String> response = get("/v1/kv/app?recurse");
		List<String> keys = JsonPath.read(response.body(), "$[*].Key");
		assertThat(keys).containsExactly("app/a", "app/b", "apple/x");
		// The highest ModifyIndex under the prefix: app/a was written last.
		assertThat(index(response)).isEqualTo(this.consul.get("app/a").modifyIndex());
		assertThat(get("/v1/kv/app/?recurse=true").body()).doesNotContain("apple");
		assertThat(get("/v1/kv/nothing/?recurse").statusCode()).isEqualTo(404);
		this.consul.delete("", true);
		assertThat(get("/v1/kv/?recurse").statusCode()).as("no match is 404 even at the root").isEqualTo(404);
	}

	@Test
	void keysWithASeparatorCutAfterTheFirstSeparatorPastThePrefix() throws Exception {
		this.consul.put("config/a/x", "1");
		this.consul.put("config/a/y", "1");
		this.consul.put("config/b", "1");
		List<String> all = JsonPath.read(get("/v1/kv/config/?keys").body(), "$");
		assertThat(all).containsExactly("config/a/x", "config/a/y", "config/b");
		List<String> folders = JsonPath.read(get("/v1/kv/config/?keys&separator=/").body(), "$");
		assertThat(folders).containsExactly("config/a/", "config/b");
		List<String> misspelt = JsonPath.read(get("/v1/kv/config/?keys&seperator=/").body(), "$");
		assertThat(misspelt).isEqualTo(folders);
		assertThat(get("/v1/kv/none/?keys").statusCode()).isEqualTo(404);
		this.consul.delete("", true);
		HttpResponse<String> root = get("/v1/kv/?keys");
		assertThat(root.statusCode()).as("an empty root is 200 []").isEqualTo(200);
		assertThat(root.body()).isEqualTo("[]");
	}

	@Test
	void casCreatesOnlyWhenAbsentAndUpdatesOnlyAtTheModifyIndex() throws Exception {
		assertThat(send("PUT", "/v1/kv/k?cas=0", "one").body()).isEqualTo("true");
		assertThat(send("PUT", "/v1/kv/k?cas=0", "two").body()).isEqualTo("false");
		long modify = this.consul.get("k").modifyIndex();
		assertThat(send("PUT", "/v1/kv/k?cas=" + (modify + 100), "two").body()).isEqualTo("false");
		HttpResponse<String> put = send("PUT", "/v1/kv/k?cas=" + modify + "&flags=42", "two");
		assertThat(put.body()).isEqualTo("true");
		assertThat(put.headers().firstValue("X-Consul-Index")).as("a PUT carries no index").isEmpty();
		assertThat(this.consul.get("k").flags()).isEqualTo(42);
		assertThat(send("PUT", "/v1/kv/k?cas=abc", "x").statusCode()).isEqualTo(500);
		assertThat(send("PUT", "/v1/kv/k?flags=-1", "x").statusCode()).isEqualTo(500);
	}

	@Test
	void anIdenticalPutMovesTheRaftIndexButNotTheModifyIndex() throws Exception {
		send("PUT", "/v1/kv/k", "v");
		long modify = this.consul.get("k").modifyIndex();
		long raft = this.consul.index();
		assertThat(send("PUT", "/v1/kv/k", "v").body()).isEqualTo("true");
		assertThat(this.consul.get("k").modifyIndex()).isEqualTo(modify);
		assertThat(this.consul.index()).isEqualTo(raft + 1);
	}

	@Test
	void deleteRecurseAndCas() throws Exception {
		this.consul.put("app/a", "1");
		this.consul.put("app/b/c", "2");
		this.consul.put("other", "3");
		assertThat(send("DELETE", "/v1/kv/missing", null).body()).as("a missing key deletes fine").isEqualTo("true");
		long modify = this.consul.get("other").modifyIndex();
		assertThat(send("DELETE", "/v1/kv/other?cas=0", null).body()).isEqualTo("false");
		assertThat(send("DELETE", "/v1/kv/other?cas=" + (modify + 1), null).body()).isEqualTo("false");
		assertThat(send("DELETE", "/v1/kv/other?cas=" + modify, null).body()).isEqualTo("true");
		assertThat(send("DELETE", "/v1/kv/app?recurse&cas=1", null).statusCode()).isEqualTo(400);
		HttpResponse<String> before = get("/v1/kv/app/?recurse");
		assertThat(send("DELETE", "/v1/kv/app/?recurse", null).body()).isEqualTo("true");
		assertThat(this.consul.keys()).isEmpty();
		HttpResponse<String> after = get("/v1/kv/app/?recurse");
		assertThat(after.statusCode()).isEqualTo(404);
		// The tombstone keeps the prefix's index moving up, not back to an older write's.
		assertThat(index(after)).isGreaterThan(index(before));
	}

	@Test
	void aBlockingQueryReturnsOnAWriteUnderItsPrefix() throws Exception {
		this.consul.put("config/a", "1");
		long index = index(get("/v1/kv/config/?recurse"));
		CompletableFuture<HttpResponse<String>> blocked = this.http.sendAsync(
				HttpRequest.newBuilder(URI.create(this.consul.url() + "/v1/kv/config/?recurse&index=" + index
						+ "&wait=5s")).build(), BodyHandlers.ofString());
		Thread.sleep(100);
		// A write elsewhere leaves a non-empty prefix's index alone: still blocked.
		this.consul.put("elsewhere", "x");
		Thread.sleep(100);
		assertThat(blocked).isNotDone();
		long started = System.nanoTime();
		this.consul.put("config/b", "2");
		HttpResponse<String> response = blocked.get(2, TimeUnit.SECONDS);
		assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).isLessThan(1000);
		assertThat(index(response)).isGreaterThan(index);
		List<String> keys = JsonPath.read(response.body(), "$[*].Key");
		assertThat(keys).containsExactly("config/a", "config/b");
	}

	@Test
	void aBlockingQueryTimesOutWithTheSameIndexAfterWait() throws Exception {
		this.consul.put("config/a", "1");
		long index = index(get("/v1/kv/config/?recurse"));
		long started = System.nanoTime();
		HttpResponse<String> response = get("/v1/kv/config/?recurse&index=" + index + "&wait=300ms");
		long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
		assertThat(took).isBetween(250L, 3000L);
		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(index(response)).isEqualTo(index);
	}

	@Test
	void aBlocking404ReturnsOnAnyKvWriteWithANewIndex() throws Exception {
		long index = index(get("/v1/kv/config/?recurse"));
		CompletableFuture<HttpResponse<String>> blocked = this.http.sendAsync(
				HttpRequest.newBuilder(URI.create(this.consul.url() + "/v1/kv/config/?recurse&index=" + index
						+ "&wait=5s")).build(), BodyHandlers.ofString());
		Thread.sleep(100);
		this.consul.put("unrelated", "x");
		HttpResponse<String> response = blocked.get(2, TimeUnit.SECONDS);
		assertThat(response.statusCode()).isEqualTo(404);
		assertThat(index(response)).isGreaterThan(index);
	}

	@Test
	void anIndexAboveTheServersBlocksTheFullWaitAndReturnsTheLowerIndex() throws Exception {
		this.consul.put("config/a", "1");
		long current = this.consul.index();
		long started = System.nanoTime();
		HttpResponse<String> response = get("/v1/kv/config/?recurse&index=" + (current + 1000) + "&wait=300ms");
		assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).isGreaterThanOrEqualTo(250);
		assertThat(index(response)).isEqualTo(current);
		// Index 0 never blocks.
		started = System.nanoTime();
		get("/v1/kv/config/?recurse&index=0&wait=5s");
		assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).isLessThan(1000);
	}

	@Test
	void waitsAreScaledAndGoDurationsParsed() throws Exception {
		assertThat(ConsulKvServer.parseGoDuration("55s")).isEqualTo(Duration.ofSeconds(55));
		assertThat(ConsulKvServer.parseGoDuration("1m30s")).isEqualTo(Duration.ofSeconds(90));
		assertThat(ConsulKvServer.parseGoDuration("1.5s")).isEqualTo(Duration.ofMillis(1500));
		assertThat(ConsulKvServer.parseGoDuration("0")).isEqualTo(Duration.ZERO);
		assertThat(ConsulKvServer.parseGoDuration("55")).isNull();
		assertThat(ConsulKvServer.parseGoDuration("5x")).isNull();
		this.consul.put("k", "v");
		this.consul.scaleWaits(0.01);
		long started = System.nanoTime();
		get("/v1/kv/k?index=" + this.consul.index() + "&wait=30s");
		assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).isLessThan(2000);
	}

	@Test
	void malformedReadsAre400() throws Exception {
		assertThat(get("/v1/kv/k?index=-1").statusCode()).isEqualTo(400);
		assertThat(get("/v1/kv/k?index=-1").body()).isEqualTo("Invalid index");
		assertThat(get("/v1/kv/k?index=1&wait=55").body()).isEqualTo("Invalid wait time");
		assertThat(get("/v1/kv/k?stale&consistent").statusCode()).isEqualTo(400);
		assertThat(get("/v1/kv/k?ns=team").statusCode()).isEqualTo(400);
		assertThat(get("/v1/kv/").body()).isEqualTo("Missing key name");
		assertThat(get("/v1/kv/a/../b").statusCode()).isEqualTo(400);
		assertThat(send("PUT", "/v1/kv/k?acquire=x&release=x", "v").statusCode()).isEqualTo(400);
		assertThat(send("POST", "/v1/kv/k", "v").statusCode()).isEqualTo(405);
		assertThat(send("PUT", "/v1/kv/big", "x".repeat(ConsulKvServer.MAX_VALUE_SIZE + 1)).statusCode())
			.isEqualTo(413);
	}

	@Test
	void locksNeedASessionAndCountAcquisitions() throws Exception {
		String session = JsonPath.read(send("PUT", "/v1/session/create", "{}").body(), "$.ID");
		String other = JsonPath.read(send("PUT", "/v1/session/create", "{}").body(), "$.ID");
		assertThat(send("PUT", "/v1/kv/lock?acquire=" + session, "me").body()).isEqualTo("true");
		assertThat(send("PUT", "/v1/kv/lock?acquire=" + other, "them").body()).isEqualTo("false");
		assertThat(send("PUT", "/v1/kv/lock?acquire=unknown", "x").statusCode()).isEqualTo(500);
		String body = get("/v1/kv/lock").body();
		assertThat((String) JsonPath.read(body, "$[0].Session")).isEqualTo(session);
		assertThat((Integer) JsonPath.read(body, "$[0].LockIndex")).isEqualTo(1);
		assertThat(send("PUT", "/v1/kv/lock?release=" + other, "x").body()).isEqualTo("false");
		assertThat(send("PUT", "/v1/kv/lock?release=" + session, "me").body()).isEqualTo("true");
		assertThat(get("/v1/kv/lock").body()).doesNotContain("Session");
	}

	@Test
	void tokensComeFromTheQueryTheHeaderOrBearerAndADenyPolicyRefuses() throws Exception {
		this.consul.put("k", "v");
		this.consul.requireToken("secret");
		HttpResponse<String> anonymous = get("/v1/kv/k");
		assertThat(anonymous.statusCode()).isEqualTo(403);
		assertThat(anonymous.body()).isEqualTo("Permission denied");
		assertThat(anonymous.headers().firstValue("X-Consul-Default-Acl-Policy")).hasValue("deny");
		assertThat(get("/v1/kv/k?token=wrong").body()).isEqualTo("ACL not found");
		assertThat(get("/v1/kv/k?token=secret").statusCode()).isEqualTo(200);
		for (String[] header : new String[][] { { "X-Consul-Token", "secret" }, { "Authorization", "bearer secret" } }) {
			HttpRequest request = HttpRequest.newBuilder(URI.create(this.consul.url() + "/v1/kv/k"))
				.header(header[0], header[1])
				.build();
			assertThat(this.http.send(request, BodyHandlers.ofString()).statusCode()).isEqualTo(200);
		}
		assertThat(this.consul.requests()).extracting(ConsulKvServer.Request::token)
			.containsExactly(null, "wrong", "secret", "secret", "secret");
	}

	@Test
	void theEndpointsSpringCloudConsulCallsAnswer() throws Exception {
		assertThat(get("/v1/status/leader").body()).isEqualTo("\"127.0.0.1:8300\"");
		assertThat(get("/v1/status/peers").body()).isEqualTo("[\"127.0.0.1:8300\"]");
		HttpResponse<String> services = get("/v1/catalog/services");
		assertThat(services.body()).isEqualTo("{\"consul\":[]}");
		assertThat(services.headers().firstValue("Content-Type")).hasValue("application/json");
		assertThat(services.headers().firstValue("X-Consul-Index")).isPresent();
		assertThat(send("PUT", "/v1/agent/service/register", "{}").statusCode()).isEqualTo(200);
	}

	@Test
	void stopRefusesAndStartComesBackOnTheSamePortWithTheData() throws Exception {
		this.consul.put("k", "v");
		int port = this.consul.port();
		this.consul.stop();
		assertThatIOException().isThrownBy(() -> get("/v1/kv/k"));
		this.consul.start();
		assertThat(this.consul.port()).isEqualTo(port);
		assertThat(get("/v1/kv/k").statusCode()).isEqualTo(200);
	}

	@Test
	void restartComesBackEmptyWithALowerIndex() throws Exception {
		try (ConsulKvServer high = ConsulKvServer.create(10_000)) {
			high.put("config/a", "1");
			long before = high.index();
			high.restart(5);
			HttpResponse<String> response = this.http.send(
					HttpRequest.newBuilder(URI.create(high.url() + "/v1/kv/config/?recurse")).build(),
					BodyHandlers.ofString());
			assertThat(response.statusCode()).isEqualTo(404);
			assertThat(index(response)).isLessThan(before);
			high.put("config/a", "2");
			assertThat(high.get("config/a").modifyIndex()).isEqualTo(6);
		}
	}

	@Test
	void resetIndexKeepsTheDataUnderLowerIndexesAndReleasesBlockedQueries() throws Exception {
		try (ConsulKvServer high = ConsulKvServer.create(10_000)) {
			high.put("config/a", "1");
			long index = high.index();
			CompletableFuture<HttpResponse<String>> blocked = this.http.sendAsync(HttpRequest
				.newBuilder(URI.create(high.url() + "/v1/kv/config/?recurse&index=" + index + "&wait=10s"))
				.build(), BodyHandlers.ofString());
			Thread.sleep(100);
			high.resetIndex(7);
			HttpResponse<String> response = blocked.get(2, TimeUnit.SECONDS);
			assertThat(index(response)).isEqualTo(7);
			assertThat(response.body()).contains("config/a");
		}
	}

	@Test
	void hangAcceptsButDoesNotAnswerAndDropConnectionsResets() throws Exception {
		this.consul.put("k", "v");
		this.consul.hang(true);
		HttpRequest request = HttpRequest.newBuilder(URI.create(this.consul.url() + "/v1/kv/k"))
			.timeout(Duration.ofMillis(300))
			.build();
		assertThatIOException().isThrownBy(() -> this.http.send(request, BodyHandlers.ofString()))
			.withMessageContaining("timed out");
		CompletableFuture<HttpResponse<String>> hung = this.http.sendAsync(
				HttpRequest.newBuilder(URI.create(this.consul.url() + "/v1/kv/k")).build(), BodyHandlers.ofString());
		Thread.sleep(100);
		this.consul.dropConnections();
		assertThat(hung).failsWithin(Duration.ofSeconds(2));
		this.consul.hang(false);
		assertThat(get("/v1/kv/k").statusCode()).isEqualTo(200);
	}

	@Test
	void injectedFailuresAndALostLeader() throws Exception {
		this.consul.put("k", "v");
		this.consul.failNext(429, 2);
		assertThat(get("/v1/kv/k").statusCode()).isEqualTo(429);
		assertThat(get("/v1/kv/k").statusCode()).isEqualTo(429);
		assertThat(get("/v1/kv/k").statusCode()).isEqualTo(200);
		this.consul.setKnownLeader(false);
		assertThat(get("/v1/kv/k").statusCode()).isEqualTo(500);
		assertThat(get("/v1/kv/k").body()).isEqualTo("No cluster leader");
		HttpResponse<String> stale = get("/v1/kv/k?stale");
		assertThat(stale.statusCode()).isEqualTo(200);
		assertThat(stale.headers().firstValue("X-Consul-KnownLeader")).hasValue("false");
	}

	@Test
	void aDeleteThenReapDropsThePrefixIndex() throws Exception {
		this.consul.put("p/a", "1");
		this.consul.put("p/b", "2");
		long a = this.consul.get("p/a").modifyIndex();
		this.consul.delete("p/b", false);
		assertThat(index(get("/v1/kv/p/?recurse"))).isGreaterThan(a);
		this.consul.reapTombstones();
		assertThat(index(get("/v1/kv/p/?recurse"))).as("the index can drop after a reap").isEqualTo(a);
	}

	@Test
	void theRequestLogSaysWhatWasAsked() throws Exception {
		get("/v1/kv/config/?recurse&index=0");
		get("/v1/kv/config/?recurse");
		ConsulKvServer.Request first = this.consul.requests().get(0);
		assertThat(first.method()).isEqualTo("GET");
		assertThat(first.path()).isEqualTo("/v1/kv/config/");
		assertThat(first.has("recurse")).isTrue();
		assertThat(first.query()).containsEntry("index", "0");
		assertThat(this.consul.requestCount("/v1/kv/config/")).isEqualTo(2);
		this.consul.clearRequests();
		assertThat(this.consul.requests()).isEmpty();
	}

}
