package io.restygateway.config.consul;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.restygateway.test.ConsulKvServer;
import io.restygateway.test.LoopbackHttpServer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * The watch loop against the in-process Consul over HTTP on 127.0.0.1: changes, deletes, bursts, a Consul that comes
 * back with lower indexes, errors and close. Every wait is bounded.
 */
class KvWatchTests {

	private static final String PREFIX = "config/gw/";

	private ConsulKvServer consul;

	private ConsulKvClient client;

	private final LinkedBlockingQueue<Map<String, String>> snapshots = new LinkedBlockingQueue<>();

	private final List<KvWatch> watches = new CopyOnWriteArrayList<>();

	@BeforeEach
	void start() throws IOException {
		this.consul = ConsulKvServer.create();
		this.client = new ConsulKvClient(URI.create(this.consul.url()), null, Duration.ofSeconds(2));
	}

	@AfterEach
	void stop() {
		this.watches.forEach(KvWatch::close);
		this.consul.close();
	}

	private void record(SortedMap<String, byte[]> snapshot) {
		Map<String, String> text = new TreeMap<>();
		snapshot.forEach((key, value) -> text.put(key, new String(value, StandardCharsets.UTF_8)));
		this.snapshots.add(text);
	}

	private KvWatch.Builder watch(ConsulKvClient client) {
		// The default bucket (one read per 15 s once two are spent) would make a test of three changes take 30 s.
		return KvWatch.builder(client, PREFIX, this::record)
			.wait(Duration.ofSeconds(5))
			.rateLimit(2, Duration.ofMillis(100));
	}

	private KvWatch started(KvWatch.Builder builder) {
		KvWatch watch = builder.build();
		this.watches.add(watch);
		return watch.start();
	}

	/** The next snapshot that matches, skipping others, within the timeout. */
	private Map<String, String> await(Predicate<Map<String, String>> wanted, Duration timeout)
			throws InterruptedException {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (true) {
			long left = deadline - System.nanoTime();
			Map<String, String> snapshot = this.snapshots.poll(Math.max(0, left), TimeUnit.NANOSECONDS);
			if (snapshot == null) {
				return fail("no snapshot matched within " + timeout);
			}
			if (wanted.test(snapshot)) {
				return snapshot;
			}
		}
	}

	private static void waitUntil(Predicate<Void> condition, Duration timeout) throws InterruptedException {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (!condition.test(null)) {
			if (System.nanoTime() > deadline) {
				fail("not within " + timeout);
			}
			Thread.sleep(10);
		}
	}

	@Test
	void theFirstSnapshotComesAtOnceEvenWhenThePrefixIsEmpty() throws Exception {
		started(watch(this.client));
		assertThat(await(snapshot -> true, Duration.ofSeconds(2))).isEmpty();
		this.consul.put(PREFIX + "a", "1");
		assertThat(await(snapshot -> true, Duration.ofSeconds(1))).containsExactly(Map.entry("a", "1"));
	}

	@Test
	void aChangeIsSeenWithinASecondOfTheWrite() throws Exception {
		this.consul.put(PREFIX + "routes/a", "one");
		this.consul.put("config/other/x", "not ours");
		started(watch(this.client));
		assertThat(await(snapshot -> true, Duration.ofSeconds(2))).containsExactly(Map.entry("routes/a", "one"));
		// Let the watch settle into a blocking read.
		waitUntil(v -> this.consul.requests().size() >= 2, Duration.ofSeconds(2));
		long written = System.nanoTime();
		this.consul.put(PREFIX + "routes/a", "two");
		assertThat(await(snapshot -> "two".equals(snapshot.get("routes/a")), Duration.ofSeconds(1))).hasSize(1);
		assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - written)).isLessThan(1000);
	}

	@Test
	void aDeleteIsReportedAndDeletingEverythingIsAnEmptySnapshot() throws Exception {
		this.consul.put(PREFIX + "a", "1");
		this.consul.put(PREFIX + "b", "2");
		started(watch(this.client));
		await(snapshot -> snapshot.size() == 2, Duration.ofSeconds(2));
		this.consul.delete(PREFIX + "a", false);
		assertThat(await(snapshot -> true, Duration.ofSeconds(1))).containsExactly(Map.entry("b", "2"));
		this.consul.delete(PREFIX, true);
		assertThat(await(snapshot -> true, Duration.ofSeconds(1))).isEmpty();
	}

	@Test
	void unrelatedAndIdenticalWritesAreNoEvent() throws Exception {
		this.consul.put(PREFIX + "a", "1");
		KvWatch watch = started(watch(this.client).rateLimit(2, Duration.ofMillis(20)));
		await(snapshot -> true, Duration.ofSeconds(2));
		waitUntil(v -> this.consul.requests().size() >= 2, Duration.ofSeconds(2));
		this.consul.put(PREFIX + "a", "1");
		this.consul.put("elsewhere", "x");
		this.consul.put(PREFIX + "folder/", "");
		Thread.sleep(300);
		assertThat(this.snapshots).isEmpty();
		assertThat(watch.state().changes()).isEqualTo(1);
		// A 404 prefix wakes on any KV write with a higher index: no event, and no busy loop either.
		this.consul.delete(PREFIX, true);
		assertThat(await(snapshot -> true, Duration.ofSeconds(1))).isEmpty();
		this.consul.clearRequests();
		for (int i = 0; i < 20; i++) {
			this.consul.put("elsewhere", "x" + i);
			Thread.sleep(10);
		}
		Thread.sleep(200);
		assertThat(this.snapshots).isEmpty();
		assertThat(this.consul.requests().size()).isLessThanOrEqualTo(21);
	}

	@Test
	void aBurstOf100WritesEndsInTheLastState() throws Exception {
		started(watch(this.client).rateLimit(2, Duration.ofMillis(50)));
		await(snapshot -> true, Duration.ofSeconds(2));
		for (int i = 0; i < 100; i++) {
			this.consul.put(PREFIX + "n", Integer.toString(i));
			this.consul.put(PREFIX + "k" + (i % 7), Integer.toString(i));
		}
		Map<String, String> last = await(snapshot -> "99".equals(snapshot.get("n")), Duration.ofSeconds(3));
		assertThat(last).containsEntry("k1", "99").containsEntry("k0", "98").hasSize(8);
		// The bucket kept it to a few reads, not one per write.
		assertThat(this.consul.requestCount("/v1/kv/" + PREFIX)).isLessThan(60);
	}

	@Test
	void aConsulRestartedWithALowerIndexIsFollowed() throws Exception {
		try (ConsulKvServer high = ConsulKvServer.create(10_000)) {
			ConsulKvClient client = new ConsulKvClient(URI.create(high.url()), null, Duration.ofSeconds(2));
			high.put(PREFIX + "a", "old");
			KvWatch watch = started(watch(client).wait(Duration.ofSeconds(1))
				.backoff(new Backoff(Duration.ofMillis(50), Duration.ofMillis(200), 2, 0)));
			await(snapshot -> "old".equals(snapshot.get("a")), Duration.ofSeconds(2));
			assertThat(watch.state().index()).isGreaterThan(10_000);
			// A -dev agent restarted: empty, its index back near 1. The blocked read is cut off with the old server,
			// but the JDK client retries a GET whose pooled connection closed before any answer, so the retry can
			// land on the new agent with the old index and block for one wait before the lower index comes back.
			high.restart(5);
			assertThat(await(Map::isEmpty, Duration.ofSeconds(4))).isEmpty();
			high.put(PREFIX + "a", "new");
			assertThat(await(snapshot -> true, Duration.ofSeconds(1))).containsExactly(Map.entry("a", "new"));
			assertThat(watch.state().index()).isLessThan(100);
		}
	}

	@Test
	void anIndexThatGoesBackwardsWithoutAnOutageResetsTheWatchToZero() throws Exception {
		try (ConsulKvServer high = ConsulKvServer.create(10_000)) {
			ConsulKvClient client = new ConsulKvClient(URI.create(high.url()), null, Duration.ofSeconds(2));
			high.put(PREFIX + "a", "1");
			// A long wait: without the reset, the next change would only be seen when the wait ran out.
			KvWatch watch = started(watch(client).wait(Duration.ofSeconds(30)));
			await(snapshot -> true, Duration.ofSeconds(2));
			waitUntil(v -> high.requests().size() >= 2, Duration.ofSeconds(2));
			high.resetIndex(7);
			waitUntil(v -> high.requests().stream().filter(r -> "0".equals(r.query().getOrDefault("index", "0"))).count() >= 2,
					Duration.ofSeconds(2));
			high.put(PREFIX + "a", "2");
			assertThat(await(snapshot -> true, Duration.ofSeconds(1))).containsExactly(Map.entry("a", "2"));
			assertThat(watch.state().index()).isLessThan(100);
			assertThat(watch.state().consecutiveFailures()).isZero();
		}
	}

	@Test
	void anUnreachableConsulIsRetriedWithGrowingBackoff() throws Exception {
		ConsulKvClient nowhere = new ConsulKvClient(URI.create("http://127.0.0.1:" + LoopbackHttpServer.freePort()),
				null, Duration.ofSeconds(1));
		List<Duration> sleeps = new CopyOnWriteArrayList<>();
		AtomicLong nanos = new AtomicLong();
		KvWatch watch = started(watch(nowhere).time(Clock.systemUTC(), nanos::get, duration -> {
			sleeps.add(duration);
			// Time passes only in the fake clock; a real millisecond keeps this thread from hogging a core.
			nanos.addAndGet(duration.toNanos());
			Thread.sleep(1);
		}, () -> 0.0));
		waitUntil(v -> sleeps.size() >= 10, Duration.ofSeconds(5));
		watch.close();
		assertThat(sleeps.subList(0, 10)).extracting(Duration::toMillis)
			.containsExactly(100L, 200L, 400L, 800L, 1600L, 3200L, 6400L, 10000L, 10000L, 10000L);
		KvWatch.State state = watch.state();
		assertThat(state.consecutiveFailures()).isGreaterThanOrEqualTo(10);
		assertThat(state.lastError()).contains("ConnectException");
		assertThat(state.lastSuccess()).isNull();
		assertThat(state.index()).isZero();
		assertThat(this.snapshots).isEmpty();
	}

	@Test
	void errorAnswersBackOffInRealTimeAndTheWatchRecovers() throws Exception {
		this.consul.put(PREFIX + "a", "1");
		for (int status : new int[] { 500, 429, 403, 400 }) {
			this.consul.clearRequests();
			this.consul.failNext(status, 1000);
			KvWatch watch = started(watch(this.client)
				.backoff(new Backoff(Duration.ofMillis(50), Duration.ofSeconds(10), 2, 0)));
			Thread.sleep(600);
			// 50 + 100 + 200 + 400 ms: five reads at most in 600 ms, where a spinning loop would make thousands.
			assertThat(this.consul.requests().size()).as("reads after %d", status).isBetween(3, 5);
			assertThat(watch.state().lastError()).contains(Integer.toString(status));
			assertThat(this.snapshots).isEmpty();
			this.consul.failNext(status, 0);
			await(snapshot -> true, Duration.ofSeconds(2));
			assertThat(watch.state().lastError()).isNull();
			assertThat(watch.state().consecutiveFailures()).isZero();
			assertThat(watch.state().lastSuccess()).isNotNull();
			watch.close();
		}
	}

	@Test
	void aServerThatNeverBlocksAndSendsNoIndexCannotMakeItSpin() throws Exception {
		AtomicInteger reads = new AtomicInteger();
		try (LoopbackHttpServer careless = LoopbackHttpServer.start(exchange -> {
			reads.incrementAndGet();
			byte[] body = "[]".getBytes(StandardCharsets.UTF_8);
			exchange.sendResponseHeaders(200, body.length);
			try (OutputStream out = exchange.getResponseBody()) {
				out.write(body);
			}
		})) {
			ConsulKvClient client = new ConsulKvClient(URI.create(careless.url()), null, Duration.ofSeconds(1));
			KvWatch watch = started(watch(client).rateLimit(2, Duration.ofMillis(100)));
			assertThat(await(snapshot -> true, Duration.ofSeconds(2))).isEmpty();
			Thread.sleep(1000);
			watch.close();
			// Two at once, then one per 100 ms.
			assertThat(reads.get()).isBetween(5, 14);
			assertThat(watch.state().index()).as("no index is taken as 1").isEqualTo(1);
		}
	}

	@Test
	void closeIsPromptDuringABlockingReadAndDuringABackoff() throws Exception {
		KvWatch blocked = started(KvWatch.builder(this.client, PREFIX, this::record).wait(Duration.ofSeconds(30)));
		await(snapshot -> true, Duration.ofSeconds(2));
		waitUntil(v -> this.consul.requests().size() >= 2, Duration.ofSeconds(2));
		Thread.sleep(50);
		long started = System.nanoTime();
		blocked.close();
		assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).isLessThan(500);
		assertThat(blocked.state().running()).isFalse();

		this.consul.failNext(500, 1000);
		KvWatch backingOff = started(watch(this.client).backoff(new Backoff(Duration.ofSeconds(10),
				Duration.ofSeconds(10), 2, 0)));
		waitUntil(v -> backingOff.state().consecutiveFailures() == 1, Duration.ofSeconds(2));
		started = System.nanoTime();
		backingOff.close();
		assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).isLessThan(500);
		assertThat(backingOff.state().running()).isFalse();
	}

	@Test
	void aFailingListenerDoesNotStopTheWatch() throws Exception {
		AtomicInteger calls = new AtomicInteger();
		KvWatch watch = started(KvWatch.builder(this.client, PREFIX, snapshot -> {
			calls.incrementAndGet();
			throw new IllegalStateException("boom");
		}).wait(Duration.ofSeconds(5)));
		waitUntil(v -> calls.get() == 1, Duration.ofSeconds(2));
		this.consul.put(PREFIX + "a", "1");
		waitUntil(v -> calls.get() == 2, Duration.ofSeconds(1));
		assertThat(watch.state().running()).isTrue();
		assertThat(watch.state().lastError()).contains("boom");
	}

	@Test
	void backoffDoublesUpToItsCapAndJitterOnlyShortensIt() {
		Backoff backoff = Backoff.defaults();
		assertThat(backoff.delay(1, 0)).isEqualTo(Duration.ofMillis(100));
		assertThat(backoff.delay(2, 0)).isEqualTo(Duration.ofMillis(200));
		assertThat(backoff.delay(50, 0)).isEqualTo(Duration.ofSeconds(10));
		assertThat(backoff.delay(1000, 0)).isEqualTo(Duration.ofSeconds(10));
		assertThat(backoff.delay(50, 0.999)).isBetween(Duration.ofSeconds(8), Duration.ofSeconds(10));
	}

	@Test
	void theBucketAllowsABurstOfTwoThenOnePerRefill() {
		AtomicLong nanos = new AtomicLong(5_000_000_000L);
		PollLimiter limiter = new PollLimiter(2, Duration.ofSeconds(15), nanos::get);
		assertThat(limiter.take()).isZero();
		assertThat(limiter.take()).isZero();
		assertThat(limiter.take()).isEqualTo(Duration.ofSeconds(15));
		nanos.addAndGet(Duration.ofSeconds(15).toNanos());
		assertThat(limiter.take()).isEqualTo(Duration.ofSeconds(15));
		// A quiet minute fills the bucket again, but no further than the burst.
		nanos.addAndGet(Duration.ofMinutes(1).toNanos());
		assertThat(limiter.take()).isZero();
		assertThat(limiter.take()).isZero();
		assertThat(limiter.take()).isPositive();
	}

}
