package io.restygateway.config.consul;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.SortedMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.cloud.gateway.event.RefreshRoutesEvent;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.SmartLifecycle;

import io.restygateway.config.LayoutApplier;
import io.restygateway.config.LiveRoutes;

/**
 * Consul KV as a live source of routes and upstreams: a {@link KvWatch} follows the prefix on its own thread, each
 * changed snapshot goes through the {@link LayoutApplier}, and the routes that changed are rebuilt with scoped
 * {@link RefreshRoutesEvent}s (metadata {@code resty-config-key} = the key), so that Spring Cloud Gateway's
 * {@code CachingRouteLocator} rebuilds those routes only and keeps the rest of its cache. No context refresh, no
 * request thread involved.
 *
 * <p>Started before the web server (and stopped after it): the start waits up to {@code startupWait} for Consul's
 * first answer, so that a gateway whose Consul answers opens with Consul's routes. When it does not, the gateway
 * opens without them, the watch retries with back-off, and health says so.
 */
public class ConsulConfigSource implements SmartLifecycle {

	private static final Log logger = LogFactory.getLog(ConsulConfigSource.class);


	/** Before the web server starts (Boot's is {@code DEFAULT_PHASE - 1024}), after it stops. */
	public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 2048;

	/**
	 * What the source is doing, for health.
	 * @param watch the watch's own state
	 * @param lastApplied when a changed snapshot was last applied, or null
	 * @param appliedIndex the Consul index of that snapshot, 0 before the first
	 * @param snapshots changed snapshots applied
	 */
	public record Status(KvWatch.State watch, @Nullable Instant lastApplied, long appliedIndex, long snapshots) {
	}

	private final ConsulKvClient client;

	private final String prefix;

	private final LayoutApplier applier;

	private final ApplicationEventPublisher publisher;

	private final UnaryOperator<KvWatch.Builder> settings;

	private final Duration startupWait;

	private final Clock clock;

	private final CountDownLatch firstSnapshot = new CountDownLatch(1);

	private volatile @Nullable KvWatch watch;

	private volatile @Nullable Instant lastApplied;

	private volatile long appliedIndex;

	private volatile long snapshots;

	/**
	 * @param client the client of the agent
	 * @param prefix the KV prefix to follow
	 * @param applier turns snapshots into live routes and upstreams
	 * @param publisher where the refresh events go
	 * @param settings sets the watch's wait, rate limit and back-off on its builder
	 * @param startupWait how long {@link #start()} waits for the first snapshot
	 * @param clock the wall clock
	 */
	public ConsulConfigSource(ConsulKvClient client, String prefix, LayoutApplier applier,
			ApplicationEventPublisher publisher, UnaryOperator<KvWatch.Builder> settings, Duration startupWait,
			Clock clock) {
		this.client = client;
		this.prefix = prefix;
		this.applier = applier;
		this.publisher = publisher;
		this.settings = settings;
		this.startupWait = startupWait;
		this.clock = clock;
	}

	@Override
	public synchronized void start() {
		if (this.watch != null) {
			return;
		}
		KvWatch started = this.settings.apply(KvWatch.builder(this.client, this.prefix, this::onChange))
			.threadName("resty-consul-watch")
			.build();
		this.watch = started;
		started.start();
		try {
			if (!this.firstSnapshot.await(this.startupWait.toMillis(), TimeUnit.MILLISECONDS)) {
				logger.warn("Consul at " + this.client.baseUri() + " did not answer for " + this.prefix + " within "
						+ this.startupWait + ": starting without its routes and upstreams; they apply when it does");
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	@Override
	public synchronized void stop() {
		KvWatch running = this.watch;
		this.watch = null;
		if (running != null) {
			running.close();
		}
	}

	@Override
	public boolean isRunning() {
		return this.watch != null;
	}

	@Override
	public int getPhase() {
		return PHASE;
	}

	/** @return what the source is doing now */
	public Status status() {
		KvWatch current = this.watch;
		KvWatch.State state = current != null ? current.state()
				: new KvWatch.State(false, 0, null, "not started", 0, 0, 0);
		return new Status(state, this.lastApplied, this.appliedIndex, this.snapshots);
	}

	/** @return the agent's address */
	public String agent() {
		return this.client.baseUri();
	}

	/** @return the client of the agent, for writers that want this source's Consul (the actuator's write-back) */
	public ConsulKvClient client() {
		return this.client;
	}

	/** @return the prefix followed */
	public String prefix() {
		return this.prefix;
	}

	/** @return the applier, for its refused documents */
	public LayoutApplier applier() {
		return this.applier;
	}

	// On the watch's thread.
	private void onChange(SortedMap<String, byte[]> snapshot) {
		LayoutApplier.Outcome outcome = this.applier.apply(snapshot);
		KvWatch current = this.watch;
		this.appliedIndex = current != null ? current.state().index() : 0;
		this.lastApplied = this.clock.instant();
		this.snapshots++;
		try {
			LiveRoutes.refresh(this.publisher, this, outcome.routeKeys());
		}
		finally {
			this.firstSnapshot.countDown();
		}
	}

}
