package io.restygateway.ratelimit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.lettuce.core.RedisURI;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.local.LocalIoHandler;
import io.netty.util.concurrent.EventExecutor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.netty.resources.LoopResources;

import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;

import io.restygateway.ratelimit.Gcra.Decision;
import io.restygateway.ratelimit.Gcra.Limit;
import io.restygateway.test.RedisServerExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Decisions over one Redis connection per event loop, against a real Redis: each loop gets its own connection, a
 * decision started on a loop is answered on that loop, a flushed script is loaded again, a hung Redis costs the
 * timeout (a task of the loop) and no more, and loops that do not suit Lettuce's transport leave decisions on Spring
 * Data's shared connection.
 */
class EventLoopRedisTests {

	private static final Duration TIMEOUT = Duration.ofMillis(100);

	@RegisterExtension
	static RedisServerExtension redis = new RedisServerExtension();

	static LoopResources loopResources;

	static EventLoopGroup loops;

	static ClientResources lettuce;

	static LettuceConnectionFactory shared;

	private final List<AutoCloseable> opened = new ArrayList<>();

	@BeforeAll
	static void start() {
		// As the HTTP server's: Reactor Netty's server loops, native when it can.
		loopResources = LoopResources.create("test-http", 3, true);
		loops = loopResources.onServer(LoopResources.DEFAULT_NATIVE);
		lettuce = DefaultClientResources.create();
		shared = new LettuceConnectionFactory(
				new RedisStandaloneConfiguration(redis.server().host(), redis.server().port()));
		shared.afterPropertiesSet();
		shared.start();
	}

	@AfterAll
	static void stop() {
		shared.destroy();
		lettuce.shutdown(0, 2, TimeUnit.SECONDS);
		loopResources.disposeLater().block(Duration.ofSeconds(10));
	}

	@AfterEach
	void close() throws Exception {
		for (AutoCloseable closeable : this.opened) {
			closeable.close();
		}
	}

	private RedisGcraStore store(EventLoopGroup on) {
		EventLoopRedis perLoop = new EventLoopRedis(() -> on, lettuce,
				RedisURI.create(redis.server().host(), redis.server().port()), null);
		RedisGcraStore store = new RedisGcraStore(new ReactiveStringRedisTemplate(shared), perLoop);
		this.opened.add(store);
		return store;
	}

	/** Decide on {@code loop} and tell on which thread the decision arrived. */
	private static Arrived decideOn(EventLoop loop, RedisGcraStore store, String key) throws Exception {
		CompletableFuture<Arrived> arrived = new CompletableFuture<>();
		loop.execute(() -> store.decide(key, Limit.of(Rate.parse("1r/m"), 10), 1, 0, TIMEOUT)
			.subscribe(decision -> arrived.complete(new Arrived(decision, null, Thread.currentThread())),
					error -> arrived.complete(new Arrived(null, error, Thread.currentThread()))));
		return arrived.get(10, TimeUnit.SECONDS);
	}

	private static Thread threadOf(EventLoop loop) throws Exception {
		return loop.submit(Thread::currentThread).get(10, TimeUnit.SECONDS);
	}

	record Arrived(Decision decision, Throwable error, Thread thread) {
	}

	@Test
	void eachLoopGetsAConnectionAndADecisionStartedOnALoopIsAnsweredOnIt() throws Exception {
		RedisGcraStore store = store(loops);
		store.open(Duration.ofSeconds(10));
		int count = 0;
		for (EventExecutor ignored : loops) {
			count++;
		}
		assertThat(count).isEqualTo(3);
		assertThat(store.connections()).isEqualTo(3);
		assertThat(redis.server().command("CLIENT", "LIST").lines().count()).isGreaterThanOrEqualTo(4);

		for (EventExecutor executor : loops) {
			EventLoop loop = (EventLoop) executor;
			Arrived arrived = decideOn(loop, store, "on-loop");
			assertThat(arrived.error()).isNull();
			assertThat(arrived.decision().allowed()).isTrue();
			assertThat(arrived.thread()).isSameAs(threadOf(loop));
		}
		assertThat(store.callsOffLoop()).isZero();
		// One bucket in Redis, whichever connection wrote it.
		assertThat(redis.server().command("EXISTS", "on-loop")).contains("1");

		// Off the loops, a decision still works, on some connection.
		Decision off = store.decide("off-loop", Limit.of(Rate.parse("1r/s"), 0), 1, 0, TIMEOUT)
			.block(Duration.ofSeconds(10));
		assertThat(off.allowed()).isTrue();
		Decision refused = store.decide("off-loop", Limit.of(Rate.parse("1r/s"), 0), 1, 0, TIMEOUT)
			.block(Duration.ofSeconds(10));
		assertThat(refused.allowed()).isFalse();
		assertThat(store.callsOffLoop()).isEqualTo(2);
	}

	@Test
	void aFlushedScriptIsLoadedAgain() throws Exception {
		RedisGcraStore store = store(loops);
		store.open(Duration.ofSeconds(10));
		EventLoop loop = (EventLoop) loops.next();
		assertThat(decideOn(loop, store, "flushed").decision().allowed()).isTrue();
		redis.server().command("SCRIPT", "FLUSH");
		Arrived again = decideOn(loop, store, "flushed");
		assertThat(again.error()).isNull();
		assertThat(again.decision().allowed()).isTrue();
		assertThat(redis.server().command("SCRIPT", "EXISTS", RedisGcraStore.sha1())).contains("1");
	}

	@Test
	void aHungRedisCostsTheTimeoutAndNoMoreAndTheErrorArrivesOnTheLoop() throws Exception {
		RedisGcraStore store = store(loops);
		store.open(Duration.ofSeconds(10));
		EventLoop loop = (EventLoop) loops.next();
		assertThat(decideOn(loop, store, "hung").error()).isNull();
		redis.server().pause();
		try {
			long start = System.nanoTime();
			Arrived arrived = decideOn(loop, store, "hung");
			long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
			assertThat(arrived.error()).isInstanceOf(TimeoutException.class);
			assertThat(arrived.thread()).isSameAs(threadOf(loop));
			assertThat(millis).isBetween(TIMEOUT.toMillis(), 1000L);
		}
		finally {
			redis.server().resume();
		}
		// Lettuce answers the late replies in order: the connection is usable again.
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
		Arrived after;
		do {
			after = decideOn(loop, store, "hung-after");
		}
		while (after.error() != null && System.nanoTime() < deadline);
		assertThat(after.error()).isNull();
		assertThat(after.decision().allowed()).isTrue();
	}

	@Test
	void loopsThatDoNotSuitLettucesTransportLeaveDecisionsOnTheSharedConnection() throws Exception {
		// A local-transport loop takes no socket channel of any kind.
		EventLoopGroup local = new MultiThreadIoEventLoopGroup(1, LocalIoHandler.newFactory());
		try {
			RedisGcraStore store = store(local);
			store.open(Duration.ofSeconds(10));
			assertThat(store.connections()).isEqualTo(1);
			Arrived arrived = decideOn((EventLoop) local.next(), store, "shared");
			assertThat(arrived.error()).isNull();
			assertThat(arrived.decision().allowed()).isTrue();
		}
		finally {
			local.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
		}
	}

	@Test
	void closingAfterTheLoopsStoppedReturnsAtOnceWithoutAnError() throws Exception {
		// As at an application's shutdown: Spring stops Reactor Netty's loops before it destroys the beans.
		LoopResources own = LoopResources.create("test-stopped", 2, true);
		EventLoopGroup stopped = own.onServer(LoopResources.DEFAULT_NATIVE);
		RedisGcraStore store = new RedisGcraStore(new ReactiveStringRedisTemplate(shared), new EventLoopRedis(
				() -> stopped, lettuce, RedisURI.create(redis.server().host(), redis.server().port()), null));
		store.open(Duration.ofSeconds(10));
		assertThat(store.connections()).isEqualTo(2);
		own.disposeLater().block(Duration.ofSeconds(10));
		long start = System.nanoTime();
		store.close();
		assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(3000);
	}

	@Test
	void aRedisThatIsNotThereFailsToOpenAndKeepsNoConnection() {
		EventLoopRedis perLoop = new EventLoopRedis(() -> loops, lettuce,
				RedisURI.builder().withHost("127.0.0.1").withPort(1).withTimeout(Duration.ofSeconds(2)).build(), null);
		this.opened.add(perLoop);
		assertThatThrownBy(perLoop::open).isInstanceOf(RuntimeException.class);
		assertThat(perLoop.connections()).isZero();
	}

}
