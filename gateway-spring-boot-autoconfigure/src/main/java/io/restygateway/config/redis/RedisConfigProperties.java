package io.restygateway.config.redis;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code resty.redis-config.*}: routes and upstreams from Redis, versioned. The connection is the application's own
 * Spring Data Redis connection ({@code spring.data.redis.*}).
 */
@ConfigurationProperties("resty.redis-config")
public class RedisConfigProperties {

	/** Whether routes and upstreams are read, and followed, from Redis. */
	private boolean enabled = false;

	/**
	 * The prefix of the keys: the version is read from PREFIX version, the documents from the hash PREFIX documents
	 * (fields routes/ID and upstreams/NAME).
	 */
	private String prefix = "resty:config:";

	/** How often the version key is read. The documents are read only when it changed. */
	private Duration interval = Duration.ofSeconds(1);

	/** How long one Redis command may take before the poll counts as failed (and is tried again next interval). */
	private Duration timeout = Duration.ofSeconds(2);

	/**
	 * How long the start-up waits for the first poll, so that the gateway opens with the routes in Redis. When Redis
	 * does not answer in time the gateway starts without them and applies them when it does.
	 */
	private Duration startupWait = Duration.ofSeconds(5);

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

	public Duration getStartupWait() {
		return this.startupWait;
	}

	public void setStartupWait(Duration startupWait) {
		this.startupWait = startupWait;
	}

}
