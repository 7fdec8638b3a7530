package io.restygateway.config.admin;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.LongSupplier;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import io.restygateway.config.LayoutApplier;
import io.restygateway.config.consul.ConsulKvClient;
import io.restygateway.config.consul.KvEntry;
import io.restygateway.config.consul.KvListing;

/**
 * Installs a set on a Consul-backed gateway by writing it back to Consul (slardar #45 asked for this), so that every
 * gateway following the prefix converges through its own watch, this one included: the set becomes the whole
 * layout under the prefix, {@code <prefix>routes/<id>} and {@code <prefix>upstreams/<name>} are put where their
 * bytes differ, and layout keys the set does not have are deleted. Other keys under the prefix are left alone.
 *
 * <p>The writes are ordered so that a gateway reading between two of them sees a working set: new upstreams first
 * (a new route finds its upstream), then routes, then the routes dropped, then the upstreams dropped (no route still
 * points at them). They are separate writes, not one Consul transaction ({@code /v1/txn}), so a watch may read an
 * intermediate state for a moment; each gateway then ends in the installed set. The install answers once this
 * gateway's own Consul source has applied the index of the last write (or after {@code applyWait}, saying so).
 */
public final class ConsulWriteBack implements ConfigVersions.Installer {

	private static final Log logger = LogFactory.getLog(ConsulWriteBack.class);

	private final ConsulKvClient client;

	private final String prefix;

	private final LongSupplier appliedIndex;

	private final Duration applyWait;

	/**
	 * @param client the client of the agent the Consul source follows
	 * @param prefix the prefix it follows, ending in {@code /}
	 * @param appliedIndex the Consul index this gateway's Consul source last applied
	 * @param applyWait how long an install waits for this gateway to apply what it wrote
	 */
	public ConsulWriteBack(ConsulKvClient client, String prefix, LongSupplier appliedIndex, Duration applyWait) {
		this.client = client;
		this.prefix = prefix;
		this.appliedIndex = appliedIndex;
		this.applyWait = applyWait;
	}

	@Override
	public Map<String, Object> install(ConfigSet set) {
		try {
			return write(set);
		}
		catch (IOException ex) {
			throw new ConfigVersions.InstallException("Consul at " + this.client.baseUri() + ": " + ex.getMessage(),
					ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new ConfigVersions.InstallException("interrupted while writing to Consul", ex);
		}
	}

	private Map<String, Object> write(ConfigSet set) throws IOException, InterruptedException {
		SortedMap<String, byte[]> current = new TreeMap<>();
		for (KvEntry entry : this.client.list(this.prefix, 0, Duration.ZERO).entries()) {
			String key = entry.key();
			if (key.startsWith(this.prefix) && !key.endsWith("/")) {
				String relative = key.substring(this.prefix.length());
				if (relative.startsWith(LayoutApplier.ROUTES) || relative.startsWith(LayoutApplier.UPSTREAMS)) {
					current.put(relative, entry.value());
				}
			}
		}
		SortedMap<String, byte[]> wanted = set.layout();
		List<String> puts = new ArrayList<>();
		for (String folder : List.of(LayoutApplier.UPSTREAMS, LayoutApplier.ROUTES)) {
			for (Map.Entry<String, byte[]> entry : wanted.entrySet()) {
				if (entry.getKey().startsWith(folder) && !Arrays.equals(current.get(entry.getKey()), entry.getValue())) {
					this.client.put(this.prefix + entry.getKey(), entry.getValue());
					puts.add(this.prefix + entry.getKey());
				}
			}
		}
		List<String> deletes = new ArrayList<>();
		for (String folder : List.of(LayoutApplier.ROUTES, LayoutApplier.UPSTREAMS)) {
			for (String key : current.keySet()) {
				if (key.startsWith(folder) && !wanted.containsKey(key)) {
					this.client.delete(this.prefix + key);
					deletes.add(this.prefix + key);
				}
			}
		}
		Map<String, Object> details = new LinkedHashMap<>();
		details.put("target", target());
		details.put("agent", this.client.baseUri());
		details.put("put", puts);
		details.put("deleted", deletes);
		if (puts.isEmpty() && deletes.isEmpty()) {
			details.put("appliedHere", true);
			return details;
		}
		KvListing after = this.client.list(this.prefix, 0, Duration.ZERO);
		details.put("consulIndex", Long.toUnsignedString(after.index()));
		boolean applied = awaitApplied(after.index());
		details.put("appliedHere", applied);
		if (!applied) {
			logger.warn("Wrote the installed set to Consul (index " + Long.toUnsignedString(after.index())
					+ ") but this gateway's watch had not applied it within " + this.applyWait);
		}
		return details;
	}

	private boolean awaitApplied(long index) throws InterruptedException {
		long deadline = System.nanoTime() + this.applyWait.toNanos();
		while (Long.compareUnsigned(this.appliedIndex.getAsLong(), index) < 0) {
			if (System.nanoTime() - deadline > 0) {
				return false;
			}
			Thread.sleep(5);
		}
		return true;
	}

	@Override
	public String target() {
		return "consul";
	}

}
