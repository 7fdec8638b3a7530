package io.restygateway.upstream;

import java.time.Duration;
import java.util.List;

import org.jspecify.annotations.Nullable;

import io.restygateway.key.RequestKeys;

/**
 * One upstream, validated and immutable: what {@link UpstreamDefinition} (YAML, JSON, Consul) becomes.
 *
 * @param name the upstream's name, as in {@code lb://name}
 * @param balancer how a server is chosen within a level
 * @param hashKey the request keys for consistent hashing, or null for round robin
 * @param tries attempts across servers and levels for one request
 * @param tryTimeout the time budget of all attempts, {@link Duration#ZERO} for none
 * @param retryOn what makes an attempt fail and the next one start
 * @param levels the levels, in priority order; a level is used only when those before it have no selectable server
 * @param active the active health check
 * @param passive the passive health check
 * @param protect whether the last selectable server is never ejected
 */
public record UpstreamSpec(String name, Balancer balancer, @Nullable RequestKeys hashKey, int tries, Duration tryTimeout,
		RetryOn retryOn, List<LevelSpec> levels, ActiveCheck active, PassiveCheck passive, boolean protect) {

	/** How a server is chosen within a level. */
	public enum Balancer {

		/** nginx's smooth weighted round robin. */
		ROUND_ROBIN("round-robin"),
		/** Weighted consistent hashing on a ring, keyed by {@code hash-key}. */
		CONSISTENT_HASH("consistent-hash");

		private final String label;

		Balancer(String label) {
			this.label = label;
		}

		/** @return the name used in configuration */
		public String label() {
			return this.label;
		}

	}

	/**
	 * @param servers the level's servers
	 */
	public record LevelSpec(List<ServerSpec> servers) {
	}

	/**
	 * @param host the host name or address
	 * @param port the port
	 * @param weight the weight, at least 1
	 * @param maxFails failures within {@code failTimeout} that eject the server; 0 turns passive ejection off
	 * @param failTimeout the window in which failures are counted, and how long an ejection lasts
	 */
	public record ServerSpec(String host, int port, int weight, int maxFails, Duration failTimeout) {

		/** @return {@code host:port} */
		public String id() {
			return (this.host.indexOf(':') >= 0 ? "[" + this.host + "]" : this.host) + ":" + this.port;
		}

	}

	/**
	 * @param connectFailure whether a connection that cannot be made fails the attempt
	 * @param timeout whether an attempt that times out fails
	 * @param statuses the answers that fail an attempt
	 * @param nonIdempotent whether requests of non-idempotent methods (POST, PATCH) are retried too
	 */
	public record RetryOn(boolean connectFailure, boolean timeout, StatusCodes statuses, boolean nonIdempotent) {
	}

	/** The kind of active check. */
	public enum CheckType {

		/** An HTTP GET of a path, judged by its status. */
		HTTP,
		/** A TCP connect. */
		TCP,
		/** No active check. */
		NONE

	}

	/**
	 * @param type what is checked
	 * @param path the path of an HTTP check
	 * @param interval the time between checks of a server
	 * @param timeout how long one check may take
	 * @param healthyThreshold consecutive successes that make a failing server OK again
	 * @param unhealthyThreshold consecutive failures that make a server ERR
	 * @param statuses the HTTP answers that count as success
	 */
	public record ActiveCheck(CheckType type, String path, Duration interval, Duration timeout, int healthyThreshold,
			int unhealthyThreshold, StatusCodes statuses) {
	}

	/**
	 * @param statuses the answers to real requests that count as failures (connect failures and timeouts always do)
	 * @param maxFails the default max-fails of the servers
	 * @param failTimeout the default fail-timeout of the servers
	 */
	public record PassiveCheck(StatusCodes statuses, int maxFails, Duration failTimeout) {
	}

	/** @return the number of servers in all levels */
	public int serverCount() {
		return this.levels.stream().mapToInt(level -> level.servers().size()).sum();
	}

}
