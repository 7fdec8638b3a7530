package io.restygateway.config.consul;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code resty.consul.*}: routes and upstreams from Consul's KV store, live. The agent is Spring Cloud Consul's own
 * ({@code spring.cloud.consul.host}, {@code port}, {@code scheme}, {@code path}, and the ACL token of
 * {@code spring.cloud.consul.token}), so that one setting points both at the same Consul.
 */
@ConfigurationProperties("resty.consul")
public class ConsulConfigProperties {

	/** Whether routes and upstreams are read, and followed, from Consul KV. */
	private boolean enabled = false;

	/**
	 * The KV prefix: routes are read from PREFIX routes/ID, upstreams from PREFIX upstreams/NAME. Ends with a slash.
	 */
	private String prefix = "resty/";

	/**
	 * How long Consul may hold each blocking query (Consul's wait). Longer means fewer idle requests; a change
	 * returns the query at once whatever this is.
	 */
	private Duration wait = Duration.ofSeconds(55);

	/**
	 * The timeout of a request that does not block (and of connecting); a blocking query's timeout is its wait, plus
	 * Consul's jitter of up to wait/16, plus this.
	 */
	private Duration timeout = Duration.ofSeconds(10);

	/**
	 * How long the start-up waits for the first answer from Consul, so that the gateway opens with Consul's routes.
	 * When Consul does not answer in time the gateway starts without them and applies them when it does.
	 */
	private Duration startupWait = Duration.ofSeconds(5);

	private final RateLimit rateLimit = new RateLimit();

	private final Backoff backoff = new Backoff();

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public String getPrefix() {
		return this.prefix;
	}

	public void setPrefix(String prefix) {
		this.prefix = prefix;
	}

	public Duration getWait() {
		return this.wait;
	}

	public void setWait(Duration wait) {
		this.wait = wait;
	}

	public Duration getTimeout() {
		return this.timeout;
	}

	public void setTimeout(Duration timeout) {
		this.timeout = timeout;
	}

	public Duration getStartupWait() {
		return this.startupWait;
	}

	public void setStartupWait(Duration startupWait) {
		this.startupWait = startupWait;
	}

	public RateLimit getRateLimit() {
		return this.rateLimit;
	}

	public Backoff getBackoff() {
		return this.backoff;
	}

	/**
	 * The token bucket on queries that return early (a change, or churn). A quiet watch has a full bucket, so the
	 * first change after quiet is read at once; while keys change without pause, one query per refill period.
	 */
	public static class RateLimit {

		/** Queries that may follow one another at once. */
		private int burst = 5;

		/**
		 * The time for one more query once the burst is spent. It bounds how late the last write of a burst is read
		 * (this plus one round trip), so it stays well under one second; zero turns the limit off.
		 */
		private Duration refill = Duration.ofMillis(250);

		public int getBurst() {
			return this.burst;
		}

		public void setBurst(int burst) {
			this.burst = burst;
		}

		public Duration getRefill() {
			return this.refill;
		}

		public void setRefill(Duration refill) {
			this.refill = refill;
		}

	}

	/**
	 * The waits between attempts while Consul cannot be reached or answers with an error. The last good routes and
	 * upstreams keep serving meanwhile.
	 */
	public static class Backoff {

		/** The wait after the first failure. */
		private Duration initial = Duration.ofMillis(100);

		/** The longest wait. */
		private Duration max = Duration.ofSeconds(10);

		/** How much each failure in a row multiplies the wait by. */
		private double multiplier = 2.0;

		/** The share of a wait taken off at random, from 0 to 1, so that gateways do not retry in step. */
		private double jitter = 0.2;

		public Duration getInitial() {
			return this.initial;
		}

		public void setInitial(Duration initial) {
			this.initial = initial;
		}

		public Duration getMax() {
			return this.max;
		}

		public void setMax(Duration max) {
			this.max = max;
		}

		public double getMultiplier() {
			return this.multiplier;
		}

		public void setMultiplier(double multiplier) {
			this.multiplier = multiplier;
		}

		public double getJitter() {
			return this.jitter;
		}

		public void setJitter(double jitter) {
			this.jitter = jitter;
		}

	}

}
