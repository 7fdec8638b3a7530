package io.restygateway.config.consul;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * Follows every key under a Consul KV prefix with blocking queries, on a daemon thread of its own (never on a request
 * path), and hands the listener the whole current snapshot each time it changes: keys relative to the prefix, deletes
 * included (a key gone from the listing is gone from the snapshot, which Spring Cloud Consul's watch misses).
 *
 * <p>The rules, from Consul's docs on blocking queries:
 * <ul>
 * <li>The first read has index 0 and does not block; then each read blocks on the last index seen.</li>
 * <li>An answer with the index asked for is a timeout: no event. An answer with a higher index is no proof of a change
 * either (idempotent or unrelated writes wake queries too), so the data is compared and the listener told only of a
 * real change.</li>
 * <li>An index lower than the one held means Consul went backwards (a restart, a restore, reaped tombstones; Spring
 * Cloud Consul #731): the index goes back to 0 and the prefix is read again at once, since blocking on the old index
 * would wait out the whole wait.</li>
 * <li>An index of 0 or none is taken as 1, which is always safe.</li>
 * <li>After an error (unreachable, a 5xx, 429, 403, even a 400) the watch waits by {@link Backoff}, from 100 ms up to
 * 10 s by default, and starts again from index 0. It never spins.</li>
 * <li>Early returns are limited by a token bucket (a burst of 2, then one per refill period, 15 s by default), so
 * that churning values cannot make the watch poll Consul flat out.</li>
 * </ul>
 *
 * <p>What it is doing is visible through {@link #state()} for a health indicator or an endpoint. Time, sleeping and
 * randomness are injected so the loop is tested exactly.
 */
public final class KvWatch implements AutoCloseable {

	private static final Log logger = LogFactory.getLog(KvWatch.class);

	/** How long {@link #close()} waits for the thread to finish. */
	private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

	/** Told of each new snapshot, on the watch's thread. */
	@FunctionalInterface
	public interface Listener {

		/**
		 * @param snapshot every key under the prefix (relative to it, folders left out) with its value, sorted by key;
		 * unmodifiable, and the arrays are copies of the watch's own
		 */
		void onChange(SortedMap<String, byte[]> snapshot);

	}

	/** Waits: {@link Thread#sleep} in production, something faster in tests. */
	@FunctionalInterface
	public interface Sleeper {

		/**
		 * @param duration how long, positive
		 * @throws InterruptedException when the watch is closed meanwhile
		 */
		void sleep(Duration duration) throws InterruptedException;

	}

	/**
	 * What the watch is doing, for health and endpoints.
	 *
	 * @param running whether the thread is running
	 * @param index the index the next read blocks on, 0 before the first answer or after an error
	 * @param lastSuccess when Consul last answered as asked, or null
	 * @param lastError the last failure, or null when the last read succeeded
	 * @param consecutiveFailures failures since the last success
	 * @param polls reads that Consul answered as asked
	 * @param changes snapshots handed to the listener
	 */
	public record State(boolean running, long index, @Nullable Instant lastSuccess, @Nullable String lastError,
			int consecutiveFailures, long polls, long changes) {
	}

	private final ConsulKvClient client;

	private final String prefix;

	private final Listener listener;

	private final Duration wait;

	private final Backoff backoff;

	private final PollLimiter limiter;

	private final Clock clock;

	private final LongSupplier nanoTime;

	private final Sleeper sleeper;

	private final DoubleSupplier random;

	private final String threadName;

	private volatile boolean running;

	private volatile @Nullable Thread thread;

	private volatile long index;

	private volatile @Nullable Instant lastSuccess;

	private volatile @Nullable String lastError;

	private volatile int consecutiveFailures;

	private volatile long polls;

	private volatile long changes;

	// Only the watch thread touches this.
	private @Nullable SortedMap<String, byte[]> snapshot;

	private KvWatch(Builder builder) {
		this.client = builder.client;
		this.prefix = builder.prefix;
		this.listener = builder.listener;
		this.wait = builder.wait;
		this.backoff = builder.backoff;
		this.clock = builder.clock;
		this.nanoTime = builder.nanoTime;
		this.sleeper = builder.sleeper;
		this.random = builder.random;
		this.limiter = new PollLimiter(builder.burst, builder.refill, builder.nanoTime);
		this.threadName = builder.threadName != null ? builder.threadName : "consul-kv-watch " + builder.prefix;
	}

	/**
	 * @param client the client to read with
	 * @param prefix the prefix to follow, e.g. {@code config/gateway/}
	 * @param listener told of each new snapshot
	 * @return a builder with the defaults: wait 55 s, {@link Backoff#defaults()}, bursts of 2 then one per 15 s
	 */
	public static Builder builder(ConsulKvClient client, String prefix, Listener listener) {
		return new Builder(client, prefix, listener);
	}

	/**
	 * Start the thread; the first snapshot (possibly empty) is handed over as soon as Consul answers.
	 * @return this watch
	 * @throws IllegalStateException when already started
	 */
	public synchronized KvWatch start() {
		if (this.thread != null) {
			throw new IllegalStateException("already started");
		}
		this.running = true;
		Thread started = new Thread(this::run, this.threadName);
		// A watch must never keep the JVM alive.
		started.setDaemon(true);
		this.thread = started;
		started.start();
		return this;
	}

	/** Stop promptly: an in-flight blocking read is abandoned, a back-off cut short. Waits for the thread, briefly. */
	@Override
	public void close() {
		this.running = false;
		Thread running = this.thread;
		if (running == null || running == Thread.currentThread()) {
			return;
		}
		running.interrupt();
		try {
			running.join(CLOSE_TIMEOUT.toMillis());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/** @return what the watch is doing now */
	public State state() {
		Thread current = this.thread;
		return new State(current != null && current.isAlive(), this.index, this.lastSuccess, this.lastError,
				this.consecutiveFailures, this.polls, this.changes);
	}

	/** @return the prefix followed */
	public String prefix() {
		return this.prefix;
	}

	private void run() {
		// After a timeout the next read costs no token: it follows a full wait, not a burst.
		boolean free = false;
		while (this.running) {
			try {
				if (!free) {
					Duration pause = this.limiter.take();
					if (!pause.isZero()) {
						this.sleeper.sleep(pause);
					}
				}
				free = poll();
			}
			catch (InterruptedException ex) {
				break;
			}
			catch (IOException | RuntimeException ex) {
				if (!this.running) {
					break;
				}
				try {
					failed(ex);
				}
				catch (InterruptedException interrupted) {
					break;
				}
				// The back-off paced this retry already: the bucket is for early returns only.
				free = true;
			}
		}
		this.running = false;
	}

	/**
	 * One read and what follows from it.
	 * @return whether the read was a timeout, so that the next one is free
	 */
	private boolean poll() throws IOException, InterruptedException {
		long asked = this.index;
		long started = this.nanoTime.getAsLong();
		KvListing listing = this.client.list(this.prefix, asked, this.wait);
		long answered = listing.index();
		if (answered == 0) {
			// No header, or 0: 1 is always safe, and still blocks on a server whose index is above it.
			answered = 1;
		}
		succeeded();
		if (asked != 0 && Long.compareUnsigned(answered, asked) < 0) {
			// Consul went backwards: the data may have changed under indexes we have seen, and blocking on the old
			// index would wait out the full wait. Read again from 0 and compare.
			logger.info("Consul KV index went back from " + Long.toUnsignedString(asked) + " to "
					+ Long.toUnsignedString(answered) + " for " + this.prefix + ": reading it again");
			this.index = 0;
			return false;
		}
		if (answered == asked) {
			// A timeout: nothing changed. It is free only if it really waited; one that came back at once (a server
			// that answers the same index without blocking) is paced like a burst, so it cannot spin.
			return this.nanoTime.getAsLong() - started >= this.wait.toNanos() / 2;
		}
		this.index = answered;
		deliverIfChanged(listing);
		return false;
	}

	private void deliverIfChanged(KvListing listing) {
		SortedMap<String, byte[]> current = new TreeMap<>();
		for (KvEntry entry : listing.entries()) {
			String key = entry.key();
			// A key ending in / is a folder (the UI makes them); it holds no configuration.
			if (!key.startsWith(this.prefix) || key.endsWith("/")) {
				continue;
			}
			current.put(key.substring(this.prefix.length()), entry.value());
		}
		SortedMap<String, byte[]> previous = this.snapshot;
		if (previous != null && same(previous, current)) {
			return;
		}
		this.snapshot = current;
		this.changes++;
		SortedMap<String, byte[]> copy = new TreeMap<>();
		current.forEach((key, value) -> copy.put(key, value.clone()));
		try {
			this.listener.onChange(Collections.unmodifiableSortedMap(copy));
		}
		catch (RuntimeException ex) {
			// The snapshot stays delivered: telling a failing listener again on every read would not help it.
			logger.error("Consul KV listener for " + this.prefix + " failed", ex);
			this.lastError = "listener: " + ex;
		}
	}

	private static boolean same(Map<String, byte[]> a, Map<String, byte[]> b) {
		if (a.size() != b.size()) {
			return false;
		}
		for (Map.Entry<String, byte[]> entry : a.entrySet()) {
			byte[] other = b.get(entry.getKey());
			if (other == null || !Arrays.equals(entry.getValue(), other)) {
				return false;
			}
		}
		return true;
	}

	private void succeeded() {
		if (this.consecutiveFailures > 0) {
			logger.info("Consul KV at " + this.client.baseUri() + " answers again for " + this.prefix + " after "
					+ this.consecutiveFailures + " failures");
		}
		this.polls++;
		this.consecutiveFailures = 0;
		this.lastError = null;
		this.lastSuccess = this.clock.instant();
	}

	private void failed(Exception ex) throws InterruptedException {
		int failures = this.consecutiveFailures + 1;
		this.consecutiveFailures = failures;
		this.lastError = ex.toString();
		// Whatever Consul is after an error (restarted, restored, another server), its index may be lower: from 0.
		this.index = 0;
		Duration delay = this.backoff.delay(failures, this.random.getAsDouble());
		if (ex instanceof ConsulException consul && consul.isBadRequest()) {
			// A 400 is our bug, not Consul's state; retrying will not fix it, but backing off keeps it quiet.
			logger.error("Consul KV refused the watch of " + this.prefix + " as malformed: " + ex.getMessage());
		}
		else if (failures == 1) {
			logger.warn("Consul KV watch of " + this.prefix + " at " + this.client.baseUri() + " failed, retrying: "
					+ ex);
		}
		else if (logger.isDebugEnabled()) {
			logger.debug("Consul KV watch of " + this.prefix + " failed " + failures + " times, next try in " + delay
					+ ": " + ex);
		}
		this.sleeper.sleep(delay);
	}

	/** Settings of a {@link KvWatch}; every one has a default. */
	public static final class Builder {

		private final ConsulKvClient client;

		private final String prefix;

		private final Listener listener;

		private Duration wait = Duration.ofSeconds(55);

		private Backoff backoff = Backoff.defaults();

		private int burst = 2;

		private Duration refill = Duration.ofSeconds(15);

		private Clock clock = Clock.systemUTC();

		private LongSupplier nanoTime = System::nanoTime;

		private Sleeper sleeper = duration -> TimeUnit.NANOSECONDS.sleep(duration.toNanos());

		private DoubleSupplier random = () -> ThreadLocalRandom.current().nextDouble();

		private @Nullable String threadName;

		private Builder(ConsulKvClient client, String prefix, Listener listener) {
			this.client = client;
			this.prefix = prefix;
			this.listener = listener;
		}

		/**
		 * @param wait how long Consul may hold each read, positive, at most 10 min (55 s, as Spring Cloud Consul)
		 * @return this builder
		 */
		public Builder wait(Duration wait) {
			if (wait.isNegative() || wait.isZero() || wait.compareTo(ConsulKvClient.MAX_WAIT) > 0) {
				throw new IllegalArgumentException("wait must be within (0, 10m]: " + wait);
			}
			this.wait = wait;
			return this;
		}

		/**
		 * @param backoff the waits after errors
		 * @return this builder
		 */
		public Builder backoff(Backoff backoff) {
			this.backoff = backoff;
			return this;
		}

		/**
		 * @param burst reads that may follow one another at once, at least 1
		 * @param refill the time for one more read once the burst is spent; zero turns the limit off
		 * @return this builder
		 */
		public Builder rateLimit(int burst, Duration refill) {
			if (burst < 1 || refill.isNegative()) {
				throw new IllegalArgumentException("burst must be at least 1 and refill not negative");
			}
			this.burst = burst;
			this.refill = refill;
			return this;
		}

		/**
		 * @param clock the wall clock of {@link State#lastSuccess()}
		 * @param nanoTime a monotonic clock for the rate limit and timeouts
		 * @param sleeper how to wait
		 * @param random draws from [0, 1) for the back-off's jitter
		 * @return this builder
		 */
		public Builder time(Clock clock, LongSupplier nanoTime, Sleeper sleeper, DoubleSupplier random) {
			this.clock = clock;
			this.nanoTime = nanoTime;
			this.sleeper = sleeper;
			this.random = random;
			return this;
		}

		/**
		 * @param name the thread's name
		 * @return this builder
		 */
		public Builder threadName(String name) {
			this.threadName = name;
			return this;
		}

		/** @return the watch, not started */
		public KvWatch build() {
			return new KvWatch(this);
		}

	}

}
