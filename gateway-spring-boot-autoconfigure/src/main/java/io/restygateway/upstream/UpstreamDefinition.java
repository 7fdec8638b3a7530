package io.restygateway.upstream;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

import io.restygateway.key.RequestKeys;
import io.restygateway.upstream.UpstreamSpec.ActiveCheck;
import io.restygateway.upstream.UpstreamSpec.Balancer;
import io.restygateway.upstream.UpstreamSpec.CheckType;
import io.restygateway.upstream.UpstreamSpec.LevelSpec;
import io.restygateway.upstream.UpstreamSpec.PassiveCheck;
import io.restygateway.upstream.UpstreamSpec.RetryOn;
import io.restygateway.upstream.UpstreamSpec.ServerSpec;

/**
 * One upstream as written in {@code resty.upstreams.<name>}, in JSON through the {@code upstreams} endpoint, and in
 * Consul: mutable, as binding needs, and turned into a validated {@link UpstreamSpec} by {@link #toSpec(String)}.
 * The defaults are nginx's where nginx has one.
 */
public class UpstreamDefinition {

	private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

	/** How a server is chosen within a level: {@code round-robin} or {@code consistent-hash}. */
	private String balancer = "round-robin";

	/**
	 * The request keys for consistent hashing, tried in turn: ip, uri, path, route, header:NAME, cookie:NAME,
	 * query:NAME. With none, consistent-hash hashes the uri.
	 */
	private List<String> hashKey = new ArrayList<>();

	/** Attempts across servers and levels for one request; default: the number of servers. */
	private @Nullable Integer tries;

	/** The time budget of all attempts of one request; 0 for none. */
	private Duration tryTimeout = Duration.ZERO;

	/**
	 * What fails an attempt and starts the next: connect-failure, timeout, and status codes or ranges; with
	 * non-idempotent, POST and PATCH requests are retried too. nginx's proxy_next_upstream default: connect-failure
	 * and timeout.
	 */
	private List<String> retryOn = new ArrayList<>(List.of("connect-failure", "timeout"));

	/** The levels, in priority order: a level is used only when those before it have no selectable server. */
	private List<Level> levels = new ArrayList<>();

	private Health health = new Health();

	/**
	 * The number of attempts, as {@code try} in YAML and JSON.
	 * @return the attempts, or null for the number of servers
	 */
	public @Nullable Integer getTry() {
		return this.tries;
	}

	public void setTry(@Nullable Integer tries) {
		this.tries = tries;
	}

	public String getBalancer() {
		return this.balancer;
	}

	public void setBalancer(String balancer) {
		this.balancer = balancer;
	}

	public List<String> getHashKey() {
		return this.hashKey;
	}

	public void setHashKey(List<String> hashKey) {
		this.hashKey = hashKey;
	}

	public Duration getTryTimeout() {
		return this.tryTimeout;
	}

	public void setTryTimeout(Duration tryTimeout) {
		this.tryTimeout = tryTimeout;
	}

	public List<String> getRetryOn() {
		return this.retryOn;
	}

	public void setRetryOn(List<String> retryOn) {
		this.retryOn = retryOn;
	}

	public List<Level> getLevels() {
		return this.levels;
	}

	public void setLevels(List<Level> levels) {
		this.levels = levels;
	}

	public Health getHealth() {
		return this.health;
	}

	public void setHealth(Health health) {
		this.health = health;
	}

	/** A level: servers of equal priority. */
	public static class Level {

		private List<Server> servers = new ArrayList<>();

		public List<Server> getServers() {
			return this.servers;
		}

		public void setServers(List<Server> servers) {
			this.servers = servers;
		}

	}

	/** A server. */
	public static class Server {

		/** The host name or address. */
		private @Nullable String host;

		/** The port. */
		private @Nullable Integer port;

		/** The weight, at least 1. */
		private int weight = 1;

		/** Failures within fail-timeout that eject the server (0: never); default: health.passive.max-fails. */
		private @Nullable Integer maxFails;

		/** The window for counting failures and the length of an ejection; default: health.passive.fail-timeout. */
		private @Nullable Duration failTimeout;

		public @Nullable String getHost() {
			return this.host;
		}

		public void setHost(@Nullable String host) {
			this.host = host;
		}

		public @Nullable Integer getPort() {
			return this.port;
		}

		public void setPort(@Nullable Integer port) {
			this.port = port;
		}

		public int getWeight() {
			return this.weight;
		}

		public void setWeight(int weight) {
			this.weight = weight;
		}

		public @Nullable Integer getMaxFails() {
			return this.maxFails;
		}

		public void setMaxFails(@Nullable Integer maxFails) {
			this.maxFails = maxFails;
		}

		public @Nullable Duration getFailTimeout() {
			return this.failTimeout;
		}

		public void setFailTimeout(@Nullable Duration failTimeout) {
			this.failTimeout = failTimeout;
		}

	}

	/** Health checking. */
	public static class Health {

		private Active active = new Active();

		private Passive passive = new Passive();

		/** Whether the last selectable server is never ejected, so that requests are still tried somewhere. */
		private boolean protect = true;

		public Active getActive() {
			return this.active;
		}

		public void setActive(Active active) {
			this.active = active;
		}

		public Passive getPassive() {
			return this.passive;
		}

		public void setPassive(Passive passive) {
			this.passive = passive;
		}

		/**
		 * As {@code protected} in YAML and JSON.
		 * @return whether the last selectable server is never ejected
		 */
		public boolean getProtected() {
			return this.protect;
		}

		public void setProtected(boolean protect) {
			this.protect = protect;
		}

	}

	/** The active check, off the request path. */
	public static class Active {

		/** http, tcp or none. */
		private String type = "none";

		/** The path of an http check. */
		private String path = "/";

		/** The time between checks of a server. */
		private Duration interval = Duration.ofSeconds(2);

		/** How long one check may take. */
		private Duration timeout = Duration.ofSeconds(1);

		/** Consecutive successes that make a failing server OK again. */
		private int healthyThreshold = 2;

		/** Consecutive failures that make a server ERR. */
		private int unhealthyThreshold = 3;

		/** The HTTP answers that count as success. */
		private List<String> statuses = new ArrayList<>(List.of("200-399"));

		public String getType() {
			return this.type;
		}

		public void setType(String type) {
			this.type = type;
		}

		public String getPath() {
			return this.path;
		}

		public void setPath(String path) {
			this.path = path;
		}

		public Duration getInterval() {
			return this.interval;
		}

		public void setInterval(Duration interval) {
			this.interval = interval;
		}

		public Duration getTimeout() {
			return this.timeout;
		}

		public void setTimeout(Duration timeout) {
			this.timeout = timeout;
		}

		public int getHealthyThreshold() {
			return this.healthyThreshold;
		}

		public void setHealthyThreshold(int healthyThreshold) {
			this.healthyThreshold = healthyThreshold;
		}

		public int getUnhealthyThreshold() {
			return this.unhealthyThreshold;
		}

		public void setUnhealthyThreshold(int unhealthyThreshold) {
			this.unhealthyThreshold = unhealthyThreshold;
		}

		public List<String> getStatuses() {
			return this.statuses;
		}

		public void setStatuses(List<String> statuses) {
			this.statuses = statuses;
		}

	}

	/** The passive check, from the outcome of real requests. */
	public static class Passive {

		/** The answers that count as failures; connect failures and timeouts always count. */
		private List<String> statuses = new ArrayList<>(List.of("502", "503", "504"));

		/** Failures within fail-timeout that eject a server (nginx's max_fails); 0 turns ejection off. */
		private int maxFails = 1;

		/** The window for counting failures and the length of an ejection (nginx's fail_timeout). */
		private Duration failTimeout = Duration.ofSeconds(10);

		public List<String> getStatuses() {
			return this.statuses;
		}

		public void setStatuses(List<String> statuses) {
			this.statuses = statuses;
		}

		public int getMaxFails() {
			return this.maxFails;
		}

		public void setMaxFails(int maxFails) {
			this.maxFails = maxFails;
		}

		public Duration getFailTimeout() {
			return this.failTimeout;
		}

		public void setFailTimeout(Duration failTimeout) {
			this.failTimeout = failTimeout;
		}

	}

	/**
	 * Validate and convert.
	 * @param name the upstream's name
	 * @return the spec
	 * @throws InvalidUpstreamException naming the first field at fault
	 */
	public UpstreamSpec toSpec(String name) {
		if (name == null || !NAME.matcher(name).matches()) {
			throw new InvalidUpstreamException("name",
					"'" + name + "' is not an upstream name: letters, digits, '.', '_' and '-', up to 128");
		}
		Balancer balancer = switch (lower(this.balancer)) {
			case "round-robin", "roundrobin", "rr" -> Balancer.ROUND_ROBIN;
			case "consistent-hash", "hash", "chash" -> Balancer.CONSISTENT_HASH;
			default -> throw new InvalidUpstreamException("balancer",
					"'" + this.balancer + "' is not a balancer: use round-robin or consistent-hash");
		};
		RequestKeys hashKey = null;
		if (balancer == Balancer.CONSISTENT_HASH) {
			try {
				hashKey = RequestKeys.parse(this.hashKey.isEmpty() ? List.of("uri") : this.hashKey);
			}
			catch (IllegalArgumentException ex) {
				throw new InvalidUpstreamException("hash-key", ex.getMessage());
			}
		}
		else if (!this.hashKey.isEmpty()) {
			throw new InvalidUpstreamException("hash-key", "is only used with balancer: consistent-hash");
		}
		Passive passiveDefinition = required(this.health == null ? null : this.health.passive, "health.passive");
		Active activeDefinition = required(this.health.active, "health.active");
		PassiveCheck passive = new PassiveCheck(statuses(passiveDefinition.statuses, "health.passive.statuses"),
				atLeast(passiveDefinition.maxFails, 0, "health.passive.max-fails"),
				positive(passiveDefinition.failTimeout, "health.passive.fail-timeout"));
		if (this.levels == null || this.levels.isEmpty()) {
			throw new InvalidUpstreamException("levels", "an upstream needs at least one level with servers");
		}
		List<LevelSpec> levels = new ArrayList<>();
		List<String> seen = new ArrayList<>();
		for (int l = 0; l < this.levels.size(); l++) {
			Level level = this.levels.get(l);
			String at = "levels[" + l + "]";
			if (level == null || level.servers == null || level.servers.isEmpty()) {
				throw new InvalidUpstreamException(at + ".servers", "a level needs at least one server");
			}
			List<ServerSpec> servers = new ArrayList<>();
			for (int s = 0; s < level.servers.size(); s++) {
				servers.add(server(level.servers.get(s), at + ".servers[" + s + "]", passive, seen));
			}
			levels.add(new LevelSpec(List.copyOf(servers)));
		}
		int serverCount = seen.size();
		int tries = this.tries == null ? serverCount : atLeast(this.tries, 1, "try");
		if (this.tryTimeout == null || this.tryTimeout.isNegative()) {
			throw new InvalidUpstreamException("try-timeout", "must be 0 (none) or a positive duration");
		}
		return new UpstreamSpec(name, balancer, hashKey, tries, this.tryTimeout, retryOn(), List.copyOf(levels),
				active(activeDefinition), passive, this.health.protect);
	}

	private static ServerSpec server(@Nullable Server server, String at, PassiveCheck passive, List<String> seen) {
		if (server == null) {
			throw new InvalidUpstreamException(at, "is empty");
		}
		if (server.host == null || server.host.isBlank() || server.host.chars().anyMatch(Character::isWhitespace)) {
			throw new InvalidUpstreamException(at + ".host", "a host name or address is required");
		}
		if (server.port == null || server.port < 1 || server.port > 65535) {
			throw new InvalidUpstreamException(at + ".port", "must be between 1 and 65535, was " + server.port);
		}
		if (server.weight < 1 || server.weight > 10_000) {
			throw new InvalidUpstreamException(at + ".weight", "must be between 1 and 10000, was " + server.weight);
		}
		int maxFails = server.maxFails == null ? passive.maxFails() : atLeast(server.maxFails, 0, at + ".max-fails");
		Duration failTimeout = server.failTimeout == null ? passive.failTimeout()
				: positive(server.failTimeout, at + ".fail-timeout");
		ServerSpec spec = new ServerSpec(server.host.trim(), server.port, server.weight, maxFails, failTimeout);
		if (seen.contains(spec.id())) {
			throw new InvalidUpstreamException(at, spec.id() + " appears twice in this upstream");
		}
		seen.add(spec.id());
		return spec;
	}

	private RetryOn retryOn() {
		boolean connect = false;
		boolean timeout = false;
		boolean nonIdempotent = false;
		List<String> statuses = new ArrayList<>();
		for (String item : this.retryOn == null ? List.<String>of() : this.retryOn) {
			switch (lower(item)) {
				case "connect-failure", "error" -> connect = true;
				case "timeout" -> timeout = true;
				case "non-idempotent", "non_idempotent" -> nonIdempotent = true;
				default -> statuses.add(item);
			}
		}
		return new RetryOn(connect, timeout, statuses(statuses, "retry-on"), nonIdempotent);
	}

	private static ActiveCheck active(Active active) {
		CheckType type = switch (lower(active.type)) {
			case "http" -> CheckType.HTTP;
			case "tcp" -> CheckType.TCP;
			case "none", "" -> CheckType.NONE;
			default -> throw new InvalidUpstreamException("health.active.type",
					"'" + active.type + "' is not a check type: use http, tcp or none");
		};
		if (type == CheckType.HTTP && (active.path == null || !active.path.startsWith("/"))) {
			throw new InvalidUpstreamException("health.active.path", "must start with '/', was '" + active.path + "'");
		}
		Duration interval = positive(active.interval, "health.active.interval");
		Duration timeout = positive(active.timeout, "health.active.timeout");
		return new ActiveCheck(type, active.path, interval, timeout,
				atLeast(active.healthyThreshold, 1, "health.active.healthy-threshold"),
				atLeast(active.unhealthyThreshold, 1, "health.active.unhealthy-threshold"),
				statuses(active.statuses, "health.active.statuses"));
	}

	private static StatusCodes statuses(@Nullable List<String> items, String field) {
		try {
			return StatusCodes.parse(items == null ? List.of() : items);
		}
		catch (IllegalArgumentException ex) {
			throw new InvalidUpstreamException(field, ex.getMessage());
		}
	}

	private static int atLeast(int value, int minimum, String field) {
		if (value < minimum) {
			throw new InvalidUpstreamException(field, "must be at least " + minimum + ", was " + value);
		}
		return value;
	}

	private static Duration positive(@Nullable Duration value, String field) {
		if (value == null || value.isNegative() || value.isZero()) {
			throw new InvalidUpstreamException(field, "must be a positive duration, was " + value);
		}
		return value;
	}

	private static <T> T required(@Nullable T value, String field) {
		if (value == null) {
			throw new InvalidUpstreamException(field, "is required");
		}
		return value;
	}

	private static String lower(@Nullable String text) {
		return text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
	}

}
