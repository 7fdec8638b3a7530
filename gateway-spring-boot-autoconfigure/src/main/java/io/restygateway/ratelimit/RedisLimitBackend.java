package io.restygateway.ratelimit;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import reactor.core.publisher.Mono;

import io.restygateway.ratelimit.Gcra.Decision;
import io.restygateway.ratelimit.Gcra.Limit;

/**
 * The Redis store as every {@code LeakyBucket} filter of an instance sees it: each decision finishes within
 * {@code timeout} or fails, and a circuit breaker shared by all routes stops waiting on a Redis that keeps failing,
 * so that nothing ever hangs on Redis. It also knows how many gateway instances share Redis (for the fallback at
 * rate/instances): the number learned from their heartbeats, or a fixed number.
 */
public class RedisLimitBackend implements AutoCloseable {

	private final RedisGcraStore store;

	private final String keyPrefix;

	private final Duration timeout;

	private final CircuitBreaker breaker;

	private final AtomicInteger instances = new AtomicInteger(1);

	private final int fixedInstances;

	private final LongAdder failures = new LongAdder();

	private final LongAdder timeouts = new LongAdder();

	private final LongAdder skipped = new LongAdder();

	/**
	 * Whether the connection to Redis exists. Spring Data makes it synchronously, in the thread that first subscribes,
	 * and a Redis that accepts TCP but does not answer holds that thread for Lettuce's whole command timeout. So no
	 * decision ever makes it: until it exists, decisions fail at once (and follow on-redis-failure) while one
	 * background thread of our own connects. Once made, Lettuce keeps it and reconnects on its own, without blocking.
	 */
	private volatile boolean connected;

	private final AtomicBoolean connecting = new AtomicBoolean();

	private final CountDownLatch firstAttempt = new CountDownLatch(1);

	/** The shortest and the longest pause between two attempts to connect to a Redis that is down. */
	static final long FIRST_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

	static final long LAST_RETRY_NANOS = TimeUnit.SECONDS.toNanos(5);

	/**
	 * No attempt to connect before this time ({@link System#nanoTime()}): without it, a Redis that refuses
	 * connections at once was asked again by nearly every decision, a new thread and a connect each time, which took
	 * most of a core away from the requests it was meant to serve.
	 */
	private volatile long nextAttempt = System.nanoTime();

	private long retryPause;

	private final LongAdder connectAttempts = new LongAdder();

	private volatile boolean closed;

	/**
	 * @param store the script runner
	 * @param keyPrefix put before every bucket's key, e.g. {@code resty:rl:}
	 * @param timeout the longest a decision may take
	 * @param breaker the breaker
	 * @param fixedInstances how many instances share the limits; 0 to learn it from heartbeats
	 */
	public RedisLimitBackend(RedisGcraStore store, String keyPrefix, Duration timeout, CircuitBreaker breaker,
			int fixedInstances) {
		this.store = store;
		this.keyPrefix = keyPrefix;
		this.timeout = timeout;
		this.breaker = breaker;
		this.fixedInstances = fixedInstances;
	}

	/** The breaker is open: the decision was not even tried. */
	public static final class BreakerOpenException extends RuntimeException {

		BreakerOpenException() {
			super("the Redis circuit breaker is open", null, false, false);
		}

	}

	/** There is no connection to Redis yet: the decision was not even tried. */
	public static final class NotConnectedException extends RuntimeException {

		NotConnectedException() {
			super("not connected to Redis yet", null, false, false);
		}

	}

	/**
	 * Make the connection in the background, unless it exists or is being made.
	 */
	public void connect() {
		if (this.closed || this.connected || System.nanoTime() - this.nextAttempt < 0 || !this.connecting.compareAndSet(false, true)) {
			return;
		}
		this.connectAttempts.increment();
		Thread thread = new Thread(() -> {
			try {
				this.store.open(Duration.ofSeconds(30));
				this.retryPause = 0;
				this.connected = true;
			}
			catch (RuntimeException ex) {
				// Down or hung: a decision or heartbeat tries again, after a pause that doubles up to 5 s.
				this.retryPause = Math.min(LAST_RETRY_NANOS, Math.max(FIRST_RETRY_NANOS, this.retryPause * 2));
				this.nextAttempt = System.nanoTime() + this.retryPause;
			}
			finally {
				this.connecting.set(false);
				this.firstAttempt.countDown();
			}
		}, "resty-redis-connect");
		thread.setDaemon(true);
		thread.start();
	}

	/**
	 * Start connecting and wait a little for it, so that an instance with a healthy Redis decides in Redis from its
	 * first request.
	 * @param atMost how long to wait
	 * @return whether it is connected
	 */
	public boolean connectAndWait(Duration atMost) {
		connect();
		try {
			this.firstAttempt.await(atMost.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		return this.connected;
	}

	/** @return how many attempts to connect were made */
	public long connectAttempts() {
		return this.connectAttempts.sum();
	}

	/** @return how many connections decisions use: one per event loop, or the one shared connection */
	public int connections() {
		return this.store.connections();
	}

	/** @return calls to Redis made from a thread other than an event loop; -1 with the shared connection */
	public long callsOffLoop() {
		return this.store.callsOffLoop();
	}

	/** Close the connections of the store's own; waits for an attempt to connect under way. */
	@Override
	public void close() {
		this.closed = true;
		awaitConnectAttempt(Duration.ofSeconds(5));
		this.store.close();
	}

	/**
	 * Let an attempt to connect that is under way finish, so that nothing is closed under it.
	 * @param atMost how long to wait
	 * @return false when interrupted (the interrupt is kept)
	 */
	public boolean awaitConnectAttempt(Duration atMost) {
		long deadline = System.nanoTime() + atMost.toNanos();
		while (this.connecting.get() && System.nanoTime() - deadline < 0) {
			try {
				Thread.sleep(10);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return false;
			}
		}
		return true;
	}

	/** @return whether a background attempt to connect is under way */
	public boolean connecting() {
		return this.connecting.get();
	}

	/** @return whether the connection to Redis exists */
	public boolean connected() {
		return this.connected;
	}

	/**
	 * Decide in Redis.
	 * @param key the bucket's key, without the prefix
	 * @param limit the limit
	 * @param cost the cost
	 * @param ban the ban, microseconds
	 * @return the decision, or an error within the timeout: the store's, a {@link TimeoutException}, or at once a
	 * {@link BreakerOpenException} or a {@link NotConnectedException}
	 */
	public Mono<Decision> decide(String key, Limit limit, int cost, long ban) {
		return Mono.defer(() -> {
			if (!this.connected) {
				this.skipped.increment();
				connect();
				return Mono.error(new NotConnectedException());
			}
			if (!this.breaker.tryAcquire()) {
				this.skipped.increment();
				return Mono.error(new BreakerOpenException());
			}
			return this.store.decide(this.keyPrefix + key, limit, cost, ban, this.timeout)
				.doOnNext(decided -> this.breaker.succeeded())
				.doOnError(error -> {
					if (error instanceof TimeoutException) {
						this.timeouts.increment();
					}
					this.failures.increment();
					this.breaker.failed();
				})
				// A cancelled decision (the client left) says nothing about Redis; give the probe back.
				.doOnCancel(() -> {
					if (this.breaker.state() == CircuitBreaker.State.HALF_OPEN) {
						this.breaker.failed();
					}
				});
		});
	}

	/** @return how many instances share the limits now: fixed, or the last count learned, at least 1 */
	public int instances() {
		return this.fixedInstances > 0 ? this.fixedInstances : Math.max(1, this.instances.get());
	}

	/**
	 * @param count the number of live instances the heartbeats found
	 */
	public void instancesSeen(int count) {
		this.instances.set(Math.max(1, count));
	}

	/** @return whether the instance count is fixed rather than learned */
	public boolean instancesFixed() {
		return this.fixedInstances > 0;
	}

	/** @return the breaker */
	public CircuitBreaker breaker() {
		return this.breaker;
	}

	/** @return the key prefix */
	public String keyPrefix() {
		return this.keyPrefix;
	}

	/** @return the decision timeout */
	public Duration timeout() {
		return this.timeout;
	}

	/** @return decisions that failed or timed out */
	public long failures() {
		return this.failures.sum();
	}

	/** @return decisions that timed out */
	public long timeouts() {
		return this.timeouts.sum();
	}

	/** @return decisions not tried because the breaker was open */
	public long skipped() {
		return this.skipped.sum();
	}

	/**
	 * A live check, outside the breaker, for operators.
	 * @param within how long to wait
	 * @return {@code UP}, or {@code DOWN: } and the reason
	 */
	public Mono<String> ping(Duration within) {
		if (!this.connected) {
			connect();
			return Mono.just("DOWN: not connected yet");
		}
		return this.store.ping().timeout(within).map(pong -> "UP").onErrorResume(error -> Mono.just("DOWN: " + error));
	}

}
