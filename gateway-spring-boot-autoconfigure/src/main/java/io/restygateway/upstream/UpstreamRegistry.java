package io.restygateway.upstream;

import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

import org.jspecify.annotations.Nullable;

/**
 * Every upstream by name. An upstream is replaced whole and atomically: a request that already holds the old one
 * finishes with it, the next one sees the new one (its round-robin and health state start afresh, as checkups'
 * do on an update). Listeners (the active checker, metrics) hear of each change.
 */
public final class UpstreamRegistry {

	private final Map<String, Upstream> upstreams = new ConcurrentHashMap<>();

	private final List<Consumer<Change>> listeners = new CopyOnWriteArrayList<>();

	private final AtomicLong version = new AtomicLong();

	private final LongSupplier nanoTime;

	private final Clock clock;

	/**
	 * @param nanoTime the monotonic clock
	 * @param clock the wall clock
	 */
	public UpstreamRegistry(LongSupplier nanoTime, Clock clock) {
		this.nanoTime = nanoTime;
		this.clock = clock;
	}

	public UpstreamRegistry() {
		this(System::nanoTime, Clock.systemUTC());
	}

	/**
	 * @param name an upstream's name
	 * @return the upstream, or null when there is none of that name
	 */
	public @Nullable Upstream get(String name) {
		return this.upstreams.get(name);
	}

	/** @return the upstreams' names, sorted */
	public Set<String> names() {
		return new TreeMap<>(this.upstreams).keySet();
	}

	/** @return every upstream, by name, sorted */
	public Map<String, Upstream> all() {
		return new TreeMap<>(this.upstreams);
	}

	/**
	 * Create or replace an upstream.
	 * @param spec the validated definition
	 * @return the new upstream
	 */
	public Upstream put(UpstreamSpec spec) {
		Upstream upstream = new Upstream(spec, this.nanoTime, this.clock);
		Upstream previous = this.upstreams.put(spec.name(), upstream);
		this.version.incrementAndGet();
		notify(new Change(spec.name(), previous, upstream));
		return upstream;
	}

	/**
	 * Remove an upstream.
	 * @param name its name
	 * @return whether there was one
	 */
	public boolean remove(String name) {
		Upstream previous = this.upstreams.remove(name);
		if (previous == null) {
			return false;
		}
		this.version.incrementAndGet();
		notify(new Change(name, previous, null));
		return true;
	}

	/** @return a counter that grows with every change */
	public long version() {
		return this.version.get();
	}

	/**
	 * @param listener told of every change, on the thread that made it
	 */
	public void addListener(Consumer<Change> listener) {
		this.listeners.add(listener);
	}

	private void notify(Change change) {
		for (Consumer<Change> listener : this.listeners) {
			listener.accept(change);
		}
	}

	/**
	 * One change.
	 * @param name the upstream's name
	 * @param previous what it was, or null when it is new
	 * @param current what it is, or null when it was removed
	 */
	public record Change(String name, @Nullable Upstream previous, @Nullable Upstream current) {
	}

}
