package io.restygateway.upstream;

import java.util.Locale;

/**
 * The state of a server, as lua-resty-checkups reports it.
 */
public enum HealthStatus {

	/** Checked and answering. */
	OK,
	/** Failing: active checks past the unhealthy threshold, or passively ejected after max-fails failures. */
	ERR,
	/** Failing, but kept selectable because every server fails and the upstream is protected. */
	UNSTABLE,
	/** Not checked yet (or active checks are off) and not failing requests. */
	UNCHECKED;

	/** @return the lower-case name used in the endpoint and in metrics */
	public String label() {
		return name().toLowerCase(Locale.ROOT);
	}

}
