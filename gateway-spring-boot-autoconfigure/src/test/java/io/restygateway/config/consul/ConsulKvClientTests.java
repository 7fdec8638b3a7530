package io.restygateway.config.consul;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.restygateway.test.ConsulKvServer;
import io.restygateway.test.LoopbackHttpServer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIOException;

/**
 * The client against the in-process Consul, over real HTTP on 127.0.0.1.
 */
class ConsulKvClientTests {

	private ConsulKvServer consul;

	private ConsulKvClient client;

	@BeforeEach
	void start() throws IOException {
		this.consul = ConsulKvServer.create();
		this.client = new ConsulKvClient(URI.create(this.consul.url()), null, Duration.ofSeconds(2));
	}

	@AfterEach
	void stop() {
		this.consul.close();
	}

	private static String text(byte[] bytes) {
		return new String(bytes, StandardCharsets.UTF_8);
	}

	@Test
	void listDecodesValuesAndTakesTheIndexFromTheHeader() throws Exception {
		this.consul.put("config/gw/b", "two");
		this.consul.put("config/gw/a", "one");
		this.consul.put("config/gw/empty", "");
		this.consul.put("config/other", "x");
		KvListing listing = this.client.list("config/gw/", 0, Duration.ofSeconds(1));
		assertThat(listing.entries()).extracting(KvEntry::key)
			.containsExactly("config/gw/a", "config/gw/b", "config/gw/empty");
		assertThat(text(listing.entries().get(0).value())).isEqualTo("one");
		assertThat(listing.entries().get(2).value()).as("Value null is present but empty").isEmpty();
		assertThat(listing.entries().get(0).modifyIndex()).isEqualTo(this.consul.get("config/gw/a").modifyIndex());
		// The server writes the header as X-consul-index: the client must not care about case.
		assertThat(listing.index()).isEqualTo(this.consul.get("config/gw/empty").modifyIndex());
		assertThat(this.consul.requests().get(0).query()).containsOnlyKeys("recurse");
	}

	@Test
	void a404IsAnEmptyListingWithItsIndex() throws Exception {
		this.consul.put("elsewhere", "x");
		KvListing listing = this.client.list("config/gw/", 0, Duration.ofSeconds(1));
		assertThat(listing.entries()).isEmpty();
		assertThat(listing.index()).isEqualTo(this.consul.kvIndex());
	}

	@Test
	void aBlockingListReturnsOnAWriteAndTimesOutWithTheSameIndex() throws Exception {
		this.consul.put("config/gw/a", "1");
		long index = this.client.list("config/gw/", 0, Duration.ofSeconds(1)).index();
		long started = System.nanoTime();
		KvListing quiet = this.client.list("config/gw/", index, Duration.ofMillis(300));
		assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).isBetween(250L, 3000L);
		assertThat(quiet.index()).isEqualTo(index);
		assertThat(this.consul.requests().get(1).query()).containsEntry("index", Long.toString(index))
			.containsEntry("wait", "300ms");
		CompletableFuture<KvListing> blocked = CompletableFuture.supplyAsync(() -> {
			try {
				return this.client.list("config/gw/", index, Duration.ofSeconds(5));
			}
			catch (Exception ex) {
				throw new IllegalStateException(ex);
			}
		});
		Thread.sleep(100);
		this.consul.put("config/gw/a", "2");
		KvListing changed = blocked.get(2, TimeUnit.SECONDS);
		assertThat(changed.index()).isGreaterThan(index);
		assertThat(text(changed.entries().get(0).value())).isEqualTo("2");
	}

	@Test
	void theTimeoutOfABlockingReadCoversTheWaitAndConsulsJitter() throws Exception {
		assertThat(ConsulKvClient.blockingTimeout(Duration.ofSeconds(55), Duration.ofSeconds(10)))
			.isEqualTo(Duration.ofSeconds(55).plusNanos(3_437_500_000L).plusSeconds(10));
		// A margin far below the wait, and the server adding its full jitter: the read still ends as a timeout.
		this.consul.put("k/a", "1");
		ConsulKvClient tight = new ConsulKvClient(URI.create(this.consul.url()), null, Duration.ofMillis(200));
		long index = tight.list("k/", 0, Duration.ofSeconds(1)).index();
		assertThat(tight.list("k/", index, Duration.ofSeconds(1)).index()).isEqualTo(index);
	}

	@Test
	void putAndDeleteRoundTripKeysThatNeedEncoding() throws Exception {
		String key = "config/gw/a b/ü?&#%";
		assertThat(this.client.put(key, "v".getBytes(StandardCharsets.UTF_8))).isTrue();
		assertThat(this.consul.get(key)).isNotNull();
		assertThat(this.client.list("config/gw/a b/", 0, Duration.ofSeconds(1)).entries()).extracting(KvEntry::key)
			.containsExactly(key);
		assertThat(this.client.delete(key)).isTrue();
		assertThat(this.consul.get(key)).isNull();
		assertThat(this.client.delete("never/was")).isTrue();
	}

	@Test
	void theTokenGoesInTheHeader() throws Exception {
		this.consul.requireToken("secret");
		assertThatExceptionOfType(ConsulException.class)
			.isThrownBy(() -> this.client.list("config/", 0, Duration.ofSeconds(1)))
			.satisfies(ex -> assertThat(ex.status()).isEqualTo(403))
			.withMessageContaining("Permission denied");
		ConsulKvClient withToken = new ConsulKvClient(URI.create(this.consul.url()), "secret");
		assertThat(withToken.put("config/a", new byte[] { 1 })).isTrue();
		assertThat(withToken.list("config/", 0, Duration.ofSeconds(1)).entries()).hasSize(1);
		assertThat(this.consul.requests()).extracting(ConsulKvServer.Request::query)
			.allSatisfy(query -> assertThat(query).doesNotContainKey("token"));
	}

	@Test
	void errorsAreConsulExceptionsAndAnUnreachableConsulAnIoException() throws Exception {
		this.consul.failNext(500, 1);
		assertThatExceptionOfType(ConsulException.class)
			.isThrownBy(() -> this.client.list("config/", 0, Duration.ofSeconds(1)))
			.satisfies(ex -> assertThat(ex.isBadRequest()).isFalse());
		this.consul.failNext(400, 1);
		assertThatExceptionOfType(ConsulException.class).isThrownBy(() -> this.client.put("k", new byte[0]))
			.satisfies(ex -> assertThat(ex.isBadRequest()).isTrue());
		ConsulKvClient nowhere = new ConsulKvClient(URI.create("http://127.0.0.1:" + LoopbackHttpServer.freePort()),
				null, Duration.ofSeconds(1));
		assertThatIOException().isThrownBy(() -> nowhere.list("config/", 0, Duration.ofSeconds(1)));
	}

	@Test
	void aBodyThatIsNotEntriesIsAnIoExceptionAndAMissingIndexIsZero() throws Exception {
		try (LoopbackHttpServer odd = LoopbackHttpServer.start(exchange -> {
			byte[] body = exchange.getRequestURI().getPath().endsWith("/bad/") ? "nope".getBytes() : "[]".getBytes();
			exchange.sendResponseHeaders(200, body.length);
			try (OutputStream out = exchange.getResponseBody()) {
				out.write(body);
			}
		})) {
			ConsulKvClient client = new ConsulKvClient(URI.create(odd.url()), null);
			assertThatIOException().isThrownBy(() -> client.list("bad/", 0, Duration.ofSeconds(1)));
			KvListing listing = client.list("good/", 0, Duration.ofSeconds(1));
			assertThat(listing.entries()).isEmpty();
			assertThat(listing.index()).isZero();
		}
	}

	@Test
	void indexesAreUnsigned() throws Exception {
		KvEntry entry = ConsulKvClient.parseEntries(
				"[{\"LockIndex\":0,\"Key\":\"k\",\"Flags\":18446744073709551615,\"Value\":\"dg==\",\"CreateIndex\":1,\"ModifyIndex\":18446744073709551614}]"
					.getBytes(StandardCharsets.UTF_8))
			.get(0);
		assertThat(Long.toUnsignedString(entry.modifyIndex())).isEqualTo("18446744073709551614");
		assertThat(entry.flags()).isEqualTo(-1L);
		assertThat(text(entry.value())).isEqualTo("v");
		assertThat(ConsulKvClient.goDuration(Duration.ofSeconds(55))).isEqualTo("55s");
		assertThat(ConsulKvClient.goDuration(Duration.ofMillis(1500))).isEqualTo("1500ms");
	}

}
