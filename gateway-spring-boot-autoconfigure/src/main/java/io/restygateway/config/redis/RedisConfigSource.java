package io.restygateway.config.redis;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.cloud.gateway.event.RefreshRoutesEvent;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.SmartLifecycle;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;

import io.restygateway.config.LayoutApplier;
import io.restygateway.config.LiveRoutes;
import io.restygateway.config.sync.VersionedSync;

/**
 * Redis as a live source of routes and upstreams, versioned as lua-resty-sync does it. Two keys:
 * <ul>
 * <li>{@code <prefix>version}: a string; any change of it (not only an increase) means new documents;</li>
 * <li>{@code <prefix>documents}: a hash whose fields are Consul's layout, {@code routes/<id>} and
 * {@code upstreams/<name>}, each value one JSON document.</li>
 * </ul>
 * A {@link VersionedSync} reads the version every interval on a daemon thread of its own (never a request thread
 * or an event loop: Spring Data Redis connects synchronously on first use) and reads the hash, in one
 * {@code HGETALL}, only when the version changed. The snapshot goes through the same {@link LayoutApplier} as
 * Consul's (validation, refusal metrics, last good version per key, local names win), and the routes that changed
 * are rebuilt with scoped {@link RefreshRoutesEvent}s. When Redis is away the last good routes keep serving and the
 * next poll tries again.
 *
 * <p>Writers put the documents first and change the version last ({@code MULTI; HSET ...; INCR version; EXEC}),
 * so that a reader never records a new version with old documents.
 */
public class RedisConfigSource implements SmartLifecycle {

	private static final Log logger = LogFactory.getLog(RedisConfigSource.class);


	/** Before the web server starts, after it stops; as Consul's source. */
	public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 2048;

	/** The version key, after the prefix. */
	public static final String VERSION = "version";

	/** The documents hash, after the prefix. */
	public static final String DOCUMENTS = "documents";

	private final ReactiveStringRedisTemplate redis;

	private final String prefix;

	private final LayoutApplier applier;

	private final ApplicationEventPublisher publisher;

	private final Duration timeout;

	private final Duration startupWait;

	private final VersionedSync<String, SortedMap<String, byte[]>> sync;

	private volatile boolean running;

	/**
	 * @param redis the application's Redis
	 * @param prefix the key prefix, e.g. {@code resty:config:}
	 * @param applier turns snapshots into live routes and upstreams; its prefix is {@link #documentsPrefix}
	 * @param publisher where the refresh events go
	 * @param interval how often the version is read
	 * @param timeout how long one command may take
	 * @param startupWait how long {@link #start()} waits for the first poll
	 * @param clock the wall clock
	 */
	public RedisConfigSource(ReactiveStringRedisTemplate redis, String prefix, LayoutApplier applier,
			ApplicationEventPublisher publisher, Duration interval, Duration timeout, Duration startupWait,
			Clock clock) {
		this.redis = redis;
		this.prefix = prefix;
		this.applier = applier;
		this.publisher = publisher;
		this.timeout = timeout;
		this.startupWait = startupWait;
		this.sync = VersionedSync.<String, SortedMap<String, byte[]>>builder(this::readVersion, this::readDocuments,
				this::apply)
			.interval(interval)
			.clock(clock)
			.name("resty-redis-config")
			.build();
	}

	/**
	 * How the applier names a document in logs, metrics and route metadata: the hash, {@code #}, the field, e.g.
	 * {@code resty:config:documents#routes/shop}.
	 * @param prefix the key prefix
	 * @return the name's prefix
	 */
	public static String documentsPrefix(String prefix) {
		return prefix + DOCUMENTS + "#";
	}

	@Override
	public synchronized void start() {
		if (this.running) {
			return;
		}
		this.running = true;
		this.sync.start();
		try {
			if (!this.sync.awaitFirstPoll(this.startupWait)) {
				logger.warn("Redis did not answer for " + versionKey() + " within " + this.startupWait
						+ ": starting without its routes and upstreams; they apply when it does");
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	@Override
	public synchronized void stop() {
		this.running = false;
		this.sync.close();
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	@Override
	public int getPhase() {
		return PHASE;
	}

	/** @return what the sync has done */
	public VersionedSync.State state() {
		return this.sync.state();
	}

	/** @return the version key */
	public String versionKey() {
		return this.prefix + VERSION;
	}

	/** @return the documents hash */
	public String documentsKey() {
		return this.prefix + DOCUMENTS;
	}

	/** @return the applier, for its refused documents */
	public LayoutApplier applier() {
		return this.applier;
	}

	// On the sync's thread, as are the two below.
	private @Nullable String readVersion() {
		return this.redis.opsForValue().get(versionKey()).block(this.timeout);
	}

	private SortedMap<String, byte[]> readDocuments(String version) {
		Map<String, String> hash = this.redis.<String, String>opsForHash()
			.entries(documentsKey())
			.collectMap(Map.Entry::getKey, Map.Entry::getValue)
			.block(this.timeout);
		SortedMap<String, byte[]> snapshot = new TreeMap<>();
		if (hash != null) {
			hash.forEach((field, value) -> snapshot.put(field, value.getBytes(StandardCharsets.UTF_8)));
		}
		return Collections.unmodifiableSortedMap(snapshot);
	}

	private void apply(String version, SortedMap<String, byte[]> snapshot) {
		LayoutApplier.Outcome outcome = this.applier.apply(snapshot);
		logger.info("Applied version " + version + " of " + documentsKey() + ": " + outcome.routeKeys().size()
				+ " route(s) and " + outcome.upstreams().size() + " upstream(s) changed, "
				+ outcome.rejected().size() + " document(s) refused");
		LiveRoutes.refresh(this.publisher, this, outcome.routeKeys());
	}

}
