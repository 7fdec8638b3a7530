package io.restygateway.upstream;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.IntPredicate;
import java.util.function.LongSupplier;

import org.jspecify.annotations.Nullable;

import io.restygateway.upstream.SmoothWeightedRoundRobin.Weights;
import io.restygateway.upstream.UpstreamSpec.Balancer;
import io.restygateway.upstream.UpstreamSpec.ServerSpec;

/**
 * One upstream at run time: its levels of servers, their round-robin and health state, and the choice of a server
 * for an attempt. The semantics are lua-resty-checkups':
 * <ul>
 * <li>A server is <em>selectable</em> unless its active check says ERR, or it is passively ejected (max-fails
 * failures within fail-timeout, for fail-timeout), or it already failed this request.</li>
 * <li>Levels are tried in order: the next level is used only when the current one has no selectable server.</li>
 * <li>Within a level, smooth weighted round robin, or the hash ring for the request's key.</li>
 * <li>Protected (the default): the last selectable server of the upstream is never ejected, and when an active
 * check would make every server ERR, the first failing one stays UNSTABLE (selectable); when nothing is selectable
 * at all, the least-bad server not yet tried by this request is still tried.</li>
 * </ul>
 * Thread-safe: the mutable state is guarded by one lock per upstream, held for a few hundred nanoseconds per pick.
 * Time comes from an injected monotonic clock (nanoseconds) and wall clock (for reports).
 */
public final class Upstream {

	private final UpstreamSpec spec;

	private final List<Level> levels;

	private final LongSupplier nanoTime;

	private final Clock clock;

	private final Object lock = new Object();

	/**
	 * @param spec the validated definition
	 * @param nanoTime the monotonic clock, {@code System::nanoTime} in production
	 * @param clock the wall clock, for the times reported
	 */
	public Upstream(UpstreamSpec spec, LongSupplier nanoTime, Clock clock) {
		this.spec = spec;
		this.nanoTime = nanoTime;
		this.clock = clock;
		List<Level> levels = new ArrayList<>();
		for (int l = 0; l < spec.levels().size(); l++) {
			levels.add(new Level(l, spec.levels().get(l).servers()));
		}
		this.levels = List.copyOf(levels);
	}

	/**
	 * @param spec the validated definition
	 */
	public Upstream(UpstreamSpec spec) {
		this(spec, System::nanoTime, Clock.systemUTC());
	}

	/** @return the definition this upstream runs */
	public UpstreamSpec spec() {
		return this.spec;
	}

	/** @return the upstream's name */
	public String name() {
		return this.spec.name();
	}

	/**
	 * Choose a server for an attempt.
	 * @param hashKey the request's key for consistent hashing, or null (round robin is used then)
	 * @param tried the ids ({@code host:port}) of the servers this request already tried
	 * @return the server, or null when none may be tried
	 */
	public @Nullable Server choose(@Nullable String hashKey, Set<String> tried) {
		long now = this.nanoTime.getAsLong();
		synchronized (this.lock) {
			for (Level level : this.levels) {
				IntPredicate selectable = i -> level.servers[i].selectable(now) && !tried.contains(level.servers[i].id);
				int picked = (this.spec.balancer() == Balancer.CONSISTENT_HASH && hashKey != null)
						? level.ring.locate(hashKey, selectable) : SmoothWeightedRoundRobin.next(level.weights, selectable);
				if (picked >= 0) {
					return level.servers[picked];
				}
			}
			return this.spec.protect() ? leastBad(tried, now) : null;
		}
	}

	// Nothing is selectable: the server not yet tried that is least likely to fail, the first such in level order.
	private @Nullable Server leastBad(Set<String> tried, long now) {
		Server best = null;
		for (Level level : this.levels) {
			for (Server server : level.servers) {
				if (!tried.contains(server.id) && (best == null || server.badness(now) < best.badness(now))) {
					best = server;
				}
			}
		}
		return best;
	}

	/**
	 * A request to a server succeeded.
	 * @param server the server
	 */
	public void succeeded(Server server) {
		synchronized (this.lock) {
			server.requests++;
		}
	}

	/**
	 * A request to a server failed (a connect failure, a timeout, or a failing status): halve its round-robin
	 * weight, count the failure in its fail-timeout window, and eject it at max-fails unless it is the last
	 * selectable server of a protected upstream.
	 * @param server the server
	 * @param reason what happened, for the report
	 */
	public void failed(Server server, String reason) {
		long now = this.nanoTime.getAsLong();
		synchronized (this.lock) {
			server.requests++;
			server.failures++;
			server.weights.failed();
			server.message = reason;
			if (server.spec.maxFails() == 0) {
				return;
			}
			long window = server.spec.failTimeout().toNanos();
			if (server.windowFails == 0 || now - server.windowStart > window) {
				server.windowStart = now;
				server.windowFails = 0;
			}
			server.windowFails++;
			if (server.windowFails >= server.spec.maxFails() && !server.ejected(now)
					&& !(this.spec.protect() && isLastSelectable(server, now))) {
				server.ejectedUntil = now + window;
				server.ejections++;
				server.windowFails = 0;
			}
		}
	}

	/**
	 * The result of one active check of a server.
	 * @param server the server
	 * @param ok whether it passed
	 * @param message what the check saw, e.g. {@code connection refused} or {@code status 503}
	 */
	public void checked(Server server, boolean ok, String message) {
		synchronized (this.lock) {
			server.lastCheck = this.clock.millis();
			server.message = message;
			if (ok) {
				server.checkSuccesses++;
				server.checkFailures = 0;
				if (server.active == HealthStatus.UNCHECKED
						|| server.checkSuccesses >= this.spec.active().healthyThreshold()) {
					server.active = HealthStatus.OK;
				}
			}
			else {
				server.checkFailures++;
				server.checkSuccesses = 0;
				if (server.active != HealthStatus.ERR
						&& server.checkFailures >= this.spec.active().unhealthyThreshold()) {
					boolean keep = this.spec.protect() && isLastSelectable(server, this.nanoTime.getAsLong());
					server.active = keep ? HealthStatus.UNSTABLE : HealthStatus.ERR;
				}
			}
			// An UNSTABLE server was kept only because nothing else was up: once another is OK, it is ERR.
			if (anyActiveOk()) {
				for (Level level : this.levels) {
					for (Server each : level.servers) {
						if (each.active == HealthStatus.UNSTABLE) {
							each.active = HealthStatus.ERR;
						}
					}
				}
			}
		}
	}

	private boolean anyActiveOk() {
		for (Level level : this.levels) {
			for (Server server : level.servers) {
				if (server.active == HealthStatus.OK) {
					return true;
				}
			}
		}
		return false;
	}

	private boolean isLastSelectable(Server candidate, long now) {
		for (Level level : this.levels) {
			for (Server server : level.servers) {
				if (server != candidate && server.selectable(now)) {
					return false;
				}
			}
		}
		return true;
	}

	/**
	 * @param server a server of this upstream
	 * @return its state now
	 */
	public ServerReport report(Server server) {
		long now = this.nanoTime.getAsLong();
		synchronized (this.lock) {
			return server.report(now);
		}
	}

	/** @return every server, level by level */
	public List<Server> servers() {
		List<Server> all = new ArrayList<>();
		for (Level level : this.levels) {
			all.addAll(List.of(level.servers));
		}
		return all;
	}

	/** @return a consistent picture of every level and server, for operators */
	public List<List<ServerReport>> report() {
		long now = this.nanoTime.getAsLong();
		synchronized (this.lock) {
			List<List<ServerReport>> report = new ArrayList<>();
			for (Level level : this.levels) {
				List<ServerReport> servers = new ArrayList<>();
				for (Server server : level.servers) {
					servers.add(server.report(now));
				}
				report.add(servers);
			}
			return report;
		}
	}

	private static final class Level {

		private final Server[] servers;

		private final Weights[] weights;

		private final HashRing ring;

		Level(int index, List<ServerSpec> specs) {
			this.servers = new Server[specs.size()];
			this.weights = new Weights[specs.size()];
			int[] weightValues = new int[specs.size()];
			List<String> ids = new ArrayList<>();
			for (int i = 0; i < specs.size(); i++) {
				this.servers[i] = new Server(specs.get(i), index);
				this.weights[i] = this.servers[i].weights;
				weightValues[i] = specs.get(i).weight();
				ids.add(specs.get(i).id());
			}
			this.ring = new HashRing(ids, weightValues);
		}

	}

	/**
	 * One server of an upstream, with its state. Read its state through {@link Upstream#report()}.
	 */
	public static final class Server {

		private final ServerSpec spec;

		private final String id;

		private final int level;

		private final Weights weights;

		private HealthStatus active;

		private int checkSuccesses;

		private int checkFailures;

		private long lastCheck;

		private @Nullable String message;

		private int windowFails;

		private long windowStart;

		private long ejectedUntil;

		private long requests;

		private long failures;

		private long ejections;

		Server(ServerSpec spec, int level) {
			this.spec = spec;
			this.id = spec.id();
			this.level = level;
			this.weights = new Weights(spec.weight());
			this.active = HealthStatus.UNCHECKED;
		}

		/** @return {@code host:port} */
		public String id() {
			return this.id;
		}

		/** @return the host */
		public String host() {
			return this.spec.host();
		}

		/** @return the port */
		public int port() {
			return this.spec.port();
		}

		/** @return the index of the server's level */
		public int level() {
			return this.level;
		}

		/** @return the definition */
		public ServerSpec spec() {
			return this.spec;
		}

		boolean ejected(long now) {
			return this.ejections > 0 && now - this.ejectedUntil < 0;
		}

		boolean selectable(long now) {
			return this.active != HealthStatus.ERR && !ejected(now);
		}

		// Lower is better: unstable before err, then fewer recent failures.
		long badness(long now) {
			long rank = switch (this.active) {
				case OK, UNCHECKED -> 0;
				case UNSTABLE -> 1;
				case ERR -> 2;
			};
			return rank * 1_000_000 + (ejected(now) ? 500_000 : 0) + Math.min(this.windowFails, 499_999);
		}

		HealthStatus status(long now) {
			if (this.active == HealthStatus.ERR || ejected(now)) {
				return HealthStatus.ERR;
			}
			return this.active;
		}

		ServerReport report(long now) {
			return new ServerReport(this.id, this.spec.host(), this.spec.port(), this.level, status(now),
					this.spec.weight(), this.weights.effective(), this.spec.maxFails(), this.spec.failTimeout(),
					this.windowFails, this.requests, this.failures, this.ejections, ejected(now),
					this.lastCheck == 0 ? null : Instant.ofEpochMilli(this.lastCheck), this.message);
		}

	}

	/**
	 * A server's state at one moment.
	 *
	 * @param id {@code host:port}
	 * @param host the host
	 * @param port the port
	 * @param level the level's index
	 * @param status ok, err, unstable or unchecked
	 * @param weight the configured weight
	 * @param effectiveWeight the round-robin weight now, lowered by recent failures
	 * @param maxFails failures within fail-timeout that eject it
	 * @param failTimeout the failure window and ejection time
	 * @param recentFailures failures in the current window
	 * @param requests requests sent to it
	 * @param failures of those, how many failed
	 * @param ejections how often it was ejected
	 * @param ejected whether it is ejected now
	 * @param lastCheck when it was last actively checked, or null
	 * @param message what the last check or failure said, or null
	 */
	public record ServerReport(String id, String host, int port, int level, HealthStatus status, int weight,
			int effectiveWeight, int maxFails, Duration failTimeout, int recentFailures, long requests,
			long failures, long ejections, boolean ejected, @Nullable Instant lastCheck,
			@Nullable String message) {
	}

}
