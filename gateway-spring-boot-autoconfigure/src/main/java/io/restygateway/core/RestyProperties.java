package io.restygateway.core;

import java.util.ArrayList;
import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Settings shared by every feature, under {@code resty}.
 */
@ConfigurationProperties("resty")
public class RestyProperties {

	/**
	 * Whether Resty Gateway's features are on at all. Each feature also has its own
	 * {@code resty.<feature>.enabled}.
	 */
	private boolean enabled = true;

	private final Health health = new Health();

	private final StartupReport startupReport = new StartupReport();

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public Health getHealth() {
		return this.health;
	}

	public StartupReport getStartupReport() {
		return this.startupReport;
	}

	/**
	 * How the health of optional dependencies counts.
	 */
	public static class Health {

		/** The dependencies whose DOWN means DEGRADED unless configured otherwise. */
		public static final List<String> DEFAULT_DEGRADED_WHEN_DOWN = List.of("redis", "consul");

		/**
		 * Whether a configured dependency that is down makes the gateway DEGRADED (HTTP 200) instead of DOWN.
		 */
		private boolean enabled = true;

		/**
		 * The dependencies the gateway keeps serving without: the bean name prefixes of their health indicators.
		 */
		private List<String> degradedWhenDown = new ArrayList<>(DEFAULT_DEGRADED_WHEN_DOWN);

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public List<String> getDegradedWhenDown() {
			return this.degradedWhenDown;
		}

		public void setDegradedWhenDown(List<String> degradedWhenDown) {
			this.degradedWhenDown = degradedWhenDown;
		}

	}

	/**
	 * The report printed when the gateway is ready.
	 */
	public static class StartupReport {

		/**
		 * Whether to print the gateway's URLs and one line per active feature at start-up.
		 */
		private boolean enabled = true;

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

	}

}
