package io.restygateway.config.consul;

import java.util.List;

/**
 * The answer to a recursive read: the entries under a prefix and the index to block on next.
 *
 * @param entries sorted by key; empty when Consul answered 404 (nothing under the prefix)
 * @param index the {@code X-Consul-Index} header as an unsigned number, or 0 when the answer had none
 */
public record KvListing(List<KvEntry> entries, long index) {

	/**
	 * @param entries sorted by key
	 * @param index the answer's index
	 */
	public KvListing {
		entries = List.copyOf(entries);
	}

}
