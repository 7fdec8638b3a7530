package io.restygateway.ratelimit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.event.DefaultEventPublisherOptions;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.EventLoopGroupProvider;
import io.lettuce.core.resource.Transports;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.EventExecutorGroup;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ImmediateEventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * One Redis connection per event loop of the HTTP server, each registered on its own loop for its whole life (also
 * after Lettuce reconnects it). A decision made on a request's loop writes its command on that loop and is completed
 * there, and its timeout is a task of that loop: the request never waits for another thread to be scheduled. With one
 * shared connection, each decision crossed threads twice (to the connection's loop and back), and on a busy core each
 * crossing waits for the scheduler: milliseconds at the 99th percentile.
 * <p>
 * Standalone Redis only (the connection's address is fixed); decisions made off the loops (rare: a retry from a timer)
 * take the connections in turn.
 */
public final class EventLoopRedis implements AutoCloseable {

	/** One loop's connection. */
	private record Lane(EventLoop loop, RedisClient client, StatefulRedisConnection<String, String> connection,
			RedisAsyncCommands<String, String> commands, ClientResources resources) {
	}

	private final Supplier<EventLoopGroup> loops;

	private final ClientResources shared;

	private final RedisURI uri;

	private final @Nullable ClientOptions options;

	private volatile Lane @Nullable [] lanes;

	private final AtomicInteger turn = new AtomicInteger();

	private final LongAdder offLoop = new LongAdder();

	/**
	 * @param loops the HTTP server's event loops; read when the connections are made
	 * @param shared the application's Lettuce resources, whose threads, timer and settings the connections share
	 * @param uri where Redis is, with its credentials, database and TLS settings
	 * @param options the client options, or null for Lettuce's defaults
	 */
	public EventLoopRedis(Supplier<EventLoopGroup> loops, ClientResources shared, RedisURI uri,
			@Nullable ClientOptions options) {
		this.loops = loops;
		this.shared = shared;
		this.uri = uri;
		this.options = options;
	}

	/**
	 * Make one connection per loop, unless they exist. Blocks: call it from a thread of one's own, never from a loop.
	 * Lettuce reconnects a connection that breaks afterwards, on the same loop.
	 * @throws RuntimeException when a connection cannot be made; none is kept then
	 */
	public synchronized void open() {
		if (this.lanes != null) {
			return;
		}
		List<Lane> made = new ArrayList<>();
		try {
			for (EventExecutor executor : this.loops.get()) {
				EventLoop loop = (EventLoop) executor;
				if (made.isEmpty()) {
					checkTransport(loop);
				}
				ClientResources resources = resourcesOn(loop);
				RedisClient client = RedisClient.create(resources, this.uri);
				if (this.options != null) {
					client.setOptions(this.options);
				}
				try {
					StatefulRedisConnection<String, String> connection = client.connect(StringCodec.UTF8);
					made.add(new Lane(loop, client, connection, connection.async(), resources));
				}
				catch (RuntimeException ex) {
					shutdown(client, resources);
					throw ex;
				}
			}
		}
		catch (RuntimeException ex) {
			made.forEach(EventLoopRedis::close);
			throw ex;
		}
		if (made.isEmpty()) {
			throw new IllegalStateException("the HTTP server has no event loops to put Redis connections on");
		}
		this.lanes = made.toArray(Lane[]::new);
	}

	/**
	 * Thrown when Lettuce's transport (epoll, io_uring or NIO, chosen by Lettuce) does not suit the server's loops
	 * (chosen by Reactor Netty): they disagree when one of them was told not to use the native transport.
	 */
	public static final class UnsuitableLoopsException extends RuntimeException {

		UnsuitableLoopsException(String message, @Nullable Throwable cause) {
			super(message, cause);
		}

	}

	/** Register a bare channel of Lettuce's transport on the loop, the way each connection will be. */
	private static void checkTransport(EventLoop loop) {
		Class<? extends Channel> type = Transports.socketChannelClass();
		Channel probe;
		try {
			probe = type.getDeclaredConstructor().newInstance();
		}
		catch (ReflectiveOperationException | RuntimeException ex) {
			throw new UnsuitableLoopsException("cannot make a " + type.getSimpleName() + ": " + ex, ex);
		}
		try {
			ChannelFuture registered = loop.register(probe).awaitUninterruptibly();
			if (!registered.isSuccess()) {
				throw new UnsuitableLoopsException("Lettuce's " + type.getSimpleName() + " does not suit the server's "
						+ "event loop " + loop.getClass().getSimpleName() + ": " + registered.cause(),
						registered.cause());
			}
		}
		finally {
			if (probe.isRegistered()) {
				probe.close().awaitUninterruptibly();
			}
			else {
				probe.unsafe().closeForcibly();
			}
		}
	}

	/** @return how many connections are open: one per event loop, or 0 before {@link #open()} */
	public int connections() {
		Lane[] current = this.lanes;
		return current == null ? 0 : current.length;
	}

	/**
	 * @return whether the calling thread is one of the loops that have a connection
	 */
	public boolean onALoop() {
		Lane[] current = this.lanes;
		if (current != null) {
			for (Lane lane : current) {
				if (lane.loop.inEventLoop()) {
					return true;
				}
			}
		}
		return false;
	}

	/**
	 * Run a script by its SHA-1, and by its body when Redis does not know it (after {@code SCRIPT FLUSH} or a
	 * restart), which also loads it again.
	 * @param sha1 the script's SHA-1
	 * @param body the script
	 * @param key its one key
	 * @param args its arguments
	 * @param timeout the longest to wait
	 * @return the reply, a {@link TimeoutException} after {@code timeout}, or Redis's error
	 */
	public Mono<List<Object>> eval(String sha1, String body, String key, String[] args, Duration timeout) {
		return Mono.create(sink -> {
			Lane lane = lane(true);
			String[] keys = { key };
			CompletionStage<List<Object>> reply = lane.commands.<List<Object>>evalsha(sha1, ScriptOutputType.MULTI,
					keys, args)
				.handle((value, error) -> {
					if (error == null) {
						return CompletableFuture.completedFuture(value);
					}
					if (unwrap(error) instanceof RedisNoScriptException) {
						return lane.commands.<List<Object>>eval(body, ScriptOutputType.MULTI, keys, args)
							.toCompletableFuture();
					}
					return CompletableFuture.<List<Object>>failedFuture(unwrap(error));
				})
				.thenCompose(next -> next);
			within(lane.loop, reply, timeout, sink);
		});
	}

	/**
	 * @param timeout the longest to wait
	 * @return Redis's answer to PING on one connection, or an error
	 */
	public Mono<String> ping(Duration timeout) {
		return Mono.create(sink -> {
			Lane lane = lane(false);
			within(lane.loop, lane.commands.ping(), timeout, sink);
		});
	}

	private static <T> void within(EventLoop loop, CompletionStage<T> reply, Duration timeout,
			reactor.core.publisher.MonoSink<T> sink) {
		// A task of the connection's loop, not a timer thread: made and cancelled on the loop, it wakes nobody.
		ScheduledFuture<?> timer = loop.schedule(
				() -> sink.error(new TimeoutException("Redis did not answer within " + timeout.toMillis() + " ms")),
				timeout.toNanos(), TimeUnit.NANOSECONDS);
		reply.whenComplete((value, error) -> {
			timer.cancel(false);
			if (error != null) {
				sink.error(unwrap(error));
			}
			else {
				sink.success(value);
			}
		});
	}

	private static Throwable unwrap(Throwable error) {
		return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
	}

	private Lane lane(boolean counted) {
		Lane[] current = this.lanes;
		if (current == null) {
			throw new IllegalStateException("no connections to Redis yet");
		}
		for (Lane lane : current) {
			if (lane.loop.inEventLoop()) {
				return lane;
			}
		}
		if (counted) {
			this.offLoop.increment();
		}
		return current[Math.floorMod(this.turn.getAndIncrement(), current.length)];
	}

	/** @return the scripts run from a thread that is none of the loops (they cross threads); pings do not count */
	public long callsOffLoop() {
		return this.offLoop.sum();
	}

	/** Lettuce resources whose only event loop is {@code loop}, sharing everything else with the application's. */
	private ClientResources resourcesOn(EventLoop loop) {
		return DefaultClientResources.builder()
			.eventLoopGroupProvider(new OneLoop(loop))
			.eventExecutorGroup(this.shared.eventExecutorGroup())
			.timer(this.shared.timer())
			.eventBus(this.shared.eventBus())
			.commandLatencyRecorder(this.shared.commandLatencyRecorder())
			.commandLatencyPublisherOptions(DefaultEventPublisherOptions.disabled())
			.socketAddressResolver(this.shared.socketAddressResolver())
			.reconnectDelay(this.shared::reconnectDelay)
			.nettyCustomizer(this.shared.nettyCustomizer())
			.tracing(this.shared.tracing())
			.addressResolverGroup(this.shared.addressResolverGroup())
			.build();
	}

	@Override
	public synchronized void close() {
		Lane[] current = this.lanes;
		this.lanes = null;
		if (current != null) {
			for (Lane lane : current) {
				close(lane);
			}
		}
	}

	private static void close(Lane lane) {
		try {
			// Bounded: at shutdown the server's loops may already be stopped (Spring stops Reactor Netty's resources
			// before it destroys beans), and then nothing can be closed on them; the sockets die with the process.
			if (!lane.loop.isShuttingDown()) {
				lane.connection.closeAsync().get(1, TimeUnit.SECONDS);
			}
		}
		catch (Exception ex) {
			if (ex instanceof InterruptedException) {
				Thread.currentThread().interrupt();
			}
		}
		shutdown(lane.client, lane.resources);
	}

	private static void shutdown(RedisClient client, ClientResources resources) {
		try {
			client.shutdownAsync(0, 1, TimeUnit.SECONDS).get(2, TimeUnit.SECONDS);
		}
		catch (Exception ex) {
			if (ex instanceof InterruptedException) {
				Thread.currentThread().interrupt();
			}
		}
		// Only what these resources own: the loop, threads and timer belong to others.
		resources.shutdown(0, 1, TimeUnit.SECONDS);
	}

	/** Gives Lettuce one loop it does not own: releasing it does nothing. */
	private static final class OneLoop implements EventLoopGroupProvider {

		private final EventLoop loop;

		OneLoop(EventLoop loop) {
			this.loop = loop;
		}

		@Override
		@SuppressWarnings("unchecked")
		public <T extends EventLoopGroup> T allocate(Class<T> type) {
			// An event loop is a group of one. Lettuce asks for its transport's group class (epoll or NIO); the
			// channel it then registers must suit the loop, which holds when both use the same transport.
			return (T) this.loop;
		}

		@Override
		public int threadPoolSize() {
			return 1;
		}

		@Override
		public Future<Boolean> release(EventExecutorGroup eventLoopGroup, long quietPeriod, long timeout,
				TimeUnit unit) {
			return ImmediateEventExecutor.INSTANCE.newSucceededFuture(Boolean.TRUE);
		}

		@Override
		public Future<Boolean> shutdown(long quietPeriod, long timeout, TimeUnit timeUnit) {
			return ImmediateEventExecutor.INSTANCE.newSucceededFuture(Boolean.TRUE);
		}

	}

}
