package io.restygateway.config.sync;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;

/**
 * Versioned sync, as lua-resty-sync does it: at each interval a cheap <em>version</em> is read; only when it differs
 * from the version last applied is the <em>data</em> fetched and handed to a consumer. The data and its version are
 * kept as the last good ones only once the consumer took them; when the fetch or the consumer fails, the last good
 * data stays, the failure is recorded, and the next poll tries again (the version still differs). A version that is
 * not there ({@code null} from the version supplier) means nothing has been published: nothing is fetched, and
 * whatever was applied stays.
 *
 * <pre>
 * VersionedSync&lt;String, Map&lt;String, String&gt;&gt; prices = VersionedSync
 *     .builder(() -&gt; redis.get("prices:version"), version -&gt; redis.hgetall("prices"), (version, data) -&gt; table.set(data))
 *     .interval(Duration.ofSeconds(1))
 *     .name("prices-sync")
 *     .build();
 * prices.start();                         // polls on a daemon thread of its own
 * prices.data();                          // the last good data, if any
 * prices.state();                         // version, last applied, last error, failures
 * </pre>
 *
 * <p>Everything (version, fetch, consumer) runs on the scheduler's thread, one poll at a time, never on a caller's
 * thread: blocking clients are fine there. Time comes from an injected {@link Clock} and polls from an injected
 * {@link Scheduler}, so tests drive {@link #poll()} by hand and never sleep. No Spring in this class.
 *
 * <p>Unlike lua-resty-sync there is no election between processes: each process polls (one version read per
 * interval), and the data is read only by processes whose version is behind.
 *
 * @param <V> the version's type; versions are compared with {@link Objects#equals}
 * @param <T> the data's type
 */
public final class VersionedSync<V, T> implements AutoCloseable {

	/**
	 * Runs a task again and again. The default is a daemon thread of the sync's own
	 * ({@link Executors#newSingleThreadScheduledExecutor}) with a fixed delay between the end of a poll and the next.
	 */
	@FunctionalInterface
	public interface Scheduler {

		/**
		 * @param task the poll
		 * @param interval the delay between two polls; the first runs at once
		 * @return stops the polls
		 */
		AutoCloseable every(Runnable task, Duration interval);

	}

	/**
	 * What the sync has done, for health and endpoints.
	 * @param version the version of the data applied last, or null before the first
	 * @param lastApplied when data was last applied, or null
	 * @param lastPoll when the last poll ended (well or not), or null
	 * @param lastSuccess when a poll last ended well, or null
	 * @param lastError what the last failed poll said, or null if the last poll ended well
	 * @param consecutiveFailures failed polls in a row, 0 when the last one ended well
	 * @param failures failed polls in all
	 * @param polls polls in all
	 * @param fetches data fetches in all (each changed version tried)
	 * @param published whether the version supplier found a version on the last poll that read one
	 */
	public record State(@Nullable Object version, @Nullable Instant lastApplied, @Nullable Instant lastPoll,
			@Nullable Instant lastSuccess, @Nullable String lastError, long consecutiveFailures, long failures,
			long polls, long fetches, boolean published) {
	}

	private final Supplier<? extends @Nullable V> version;

	private final Function<? super V, ? extends T> fetch;

	private final BiConsumer<? super V, ? super T> consumer;

	private final Duration interval;

	private final Clock clock;

	private final Scheduler scheduler;

	private final CountDownLatch firstPoll = new CountDownLatch(1);

	private final Object lock = new Object();

	private volatile @Nullable AutoCloseable running;

	private volatile State state = new State(null, null, null, null, null, 0, 0, 0, 0, false);

	private volatile @Nullable Snapshot<V, T> lastGood;

	private record Snapshot<V, T>(V version, T data) {
	}

	private VersionedSync(Builder<V, T> builder) {
		this.version = builder.version;
		this.fetch = builder.fetch;
		this.consumer = builder.consumer;
		this.interval = builder.interval;
		this.clock = builder.clock;
		this.scheduler = builder.scheduler != null ? builder.scheduler : threadScheduler(builder.name);
	}

	/**
	 * @param version reads the current version; null when none is published
	 * @param fetch reads the data of a version (called only when the version changed)
	 * @param consumer takes new data with its version; throwing refuses it, and the last good data stays
	 * @param <V> the version's type
	 * @param <T> the data's type
	 * @return a builder
	 */
	public static <V, T> Builder<V, T> builder(Supplier<? extends @Nullable V> version,
			Function<? super V, ? extends T> fetch, BiConsumer<? super V, ? super T> consumer) {
		return new Builder<>(version, fetch, consumer);
	}

	/** Start polling on the scheduler; the first poll runs at once. Does nothing when already started. */
	public void start() {
		synchronized (this.lock) {
			if (this.running == null) {
				this.running = this.scheduler.every(this::pollQuietly, this.interval);
			}
		}
	}

	/** Stop polling. The last good data stays readable. */
	@Override
	public void close() {
		AutoCloseable stopping;
		synchronized (this.lock) {
			stopping = this.running;
			this.running = null;
		}
		if (stopping != null) {
			try {
				stopping.close();
			}
			catch (Exception ex) {
				// nothing more to stop
			}
		}
	}

	/** @return whether polls are scheduled */
	public boolean isRunning() {
		return this.running != null;
	}

	/**
	 * Wait for the end of the first poll, whether it ended well or not.
	 * @param timeout how long to wait at most
	 * @return whether the first poll ended within the timeout
	 * @throws InterruptedException when interrupted
	 */
	public boolean awaitFirstPoll(Duration timeout) throws InterruptedException {
		return this.firstPoll.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
	}

	/** @return the last good data, empty before any was applied */
	public Optional<T> data() {
		Snapshot<V, T> good = this.lastGood;
		return good == null ? Optional.empty() : Optional.of(good.data());
	}

	/** @return the version of the last good data, empty before any was applied */
	public Optional<V> version() {
		Snapshot<V, T> good = this.lastGood;
		return good == null ? Optional.empty() : Optional.of(good.version());
	}

	/** @return what the sync has done so far */
	public State state() {
		return this.state;
	}

	/**
	 * One poll, on the caller's thread: read the version; if it changed, fetch the data and hand it to the consumer.
	 * The scheduler calls this at each interval; tests call it by hand.
	 * @return whether new data was applied
	 */
	public boolean poll() {
		synchronized (this.lock) {
			State before = this.state;
			long polls = before.polls() + 1;
			long fetches = before.fetches();
			boolean published = before.published();
			try {
				V current = this.version.get();
				published = current != null;
				Snapshot<V, T> good = this.lastGood;
				if (current == null || (good != null && Objects.equals(good.version(), current))) {
					// Unchanged, or nothing published: the data is not read.
					Instant now = this.clock.instant();
					this.state = new State(before.version(), before.lastApplied(), now, now, null, 0,
							before.failures(), polls, fetches, published);
					return false;
				}
				fetches++;
				T data = this.fetch.apply(current);
				this.consumer.accept(current, data);
				this.lastGood = new Snapshot<>(current, data);
				Instant now = this.clock.instant();
				this.state = new State(current, now, now, now, null, 0, before.failures(), polls, fetches, true);
				return true;
			}
			catch (RuntimeException | Error ex) {
				if (ex instanceof VirtualMachineError) {
					throw ex;
				}
				// The last good data and its version stay; the next poll sees the version still differ and retries.
				Instant now = this.clock.instant();
				this.state = new State(before.version(), before.lastApplied(), now, before.lastSuccess(),
						describe(ex), before.consecutiveFailures() + 1, before.failures() + 1, polls, fetches,
						published);
				throw ex;
			}
			finally {
				this.firstPoll.countDown();
			}
		}
	}

	private void pollQuietly() {
		try {
			poll();
		}
		catch (RuntimeException | Error ex) {
			if (ex instanceof VirtualMachineError) {
				throw ex;
			}
			// Recorded in the state; a scheduled task that throws would never run again.
		}
	}

	static String describe(Throwable ex) {
		StringBuilder text = new StringBuilder();
		Throwable cause = ex;
		for (int depth = 0; cause != null && depth < 3; depth++, cause = cause.getCause()) {
			if (depth > 0) {
				text.append(": ");
			}
			text.append(cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName());
		}
		return text.toString();
	}

	private static Scheduler threadScheduler(String name) {
		return (task, interval) -> {
			ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(runnable -> {
				Thread thread = new Thread(runnable, name);
				thread.setDaemon(true);
				return thread;
			});
			ScheduledFuture<?> future = executor.scheduleWithFixedDelay(task, 0, Math.max(1, interval.toNanos()),
					TimeUnit.NANOSECONDS);
			return () -> {
				future.cancel(false);
				executor.shutdown();
			};
		};
	}

	/**
	 * Builds a {@link VersionedSync}.
	 * @param <V> the version's type
	 * @param <T> the data's type
	 */
	public static final class Builder<V, T> {

		private final Supplier<? extends @Nullable V> version;

		private final Function<? super V, ? extends T> fetch;

		private final BiConsumer<? super V, ? super T> consumer;

		private Duration interval = Duration.ofSeconds(1);

		private Clock clock = Clock.systemUTC();

		private @Nullable Scheduler scheduler;

		private String name = "resty-versioned-sync";

		private Builder(Supplier<? extends @Nullable V> version, Function<? super V, ? extends T> fetch,
				BiConsumer<? super V, ? super T> consumer) {
			this.version = Objects.requireNonNull(version, "version");
			this.fetch = Objects.requireNonNull(fetch, "fetch");
			this.consumer = Objects.requireNonNull(consumer, "consumer");
		}

		/**
		 * @param interval the delay between two polls (default 1 s); more than 0
		 * @return this builder
		 */
		public Builder<V, T> interval(Duration interval) {
			if (interval.isNegative() || interval.isZero()) {
				throw new IllegalArgumentException("interval must be more than 0, was " + interval);
			}
			this.interval = interval;
			return this;
		}

		/**
		 * @param clock the wall clock for the times in {@link State} (default UTC system clock)
		 * @return this builder
		 */
		public Builder<V, T> clock(Clock clock) {
			this.clock = Objects.requireNonNull(clock, "clock");
			return this;
		}

		/**
		 * @param scheduler runs the polls (default: a daemon thread of the sync's own)
		 * @return this builder
		 */
		public Builder<V, T> scheduler(Scheduler scheduler) {
			this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
			return this;
		}

		/**
		 * @param name the name of the default scheduler's thread
		 * @return this builder
		 */
		public Builder<V, T> name(String name) {
			this.name = Objects.requireNonNull(name, "name");
			return this;
		}

		/** @return the sync, not started */
		public VersionedSync<V, T> build() {
			return new VersionedSync<>(this);
		}

	}

}
