package io.restygateway.upstream;

import java.util.function.IntPredicate;

/**
 * nginx's smooth weighted round robin, as lua-resty-checkups does it: every pick adds each selectable server's
 * effective weight to its current weight, takes the server with the highest current weight (the first one on a
 * tie), and subtracts the sum of the effective weights from it. A failure halves a server's effective weight
 * (rounded up); each pick then grows it by one until it is back at the configured weight.
 *
 * <p>Not thread-safe: the caller holds the lock of the state it passes.
 */
public final class SmoothWeightedRoundRobin {

	private SmoothWeightedRoundRobin() {
	}

	/** The round-robin state of one server. */
	public static final class Weights {

		private final int weight;

		private int effective;

		private long current;

		/**
		 * @param weight the configured weight, at least 1
		 */
		public Weights(int weight) {
			if (weight < 1) {
				throw new IllegalArgumentException("weight must be at least 1, was " + weight);
			}
			this.weight = weight;
			this.effective = weight;
		}

		/** @return the configured weight */
		public int weight() {
			return this.weight;
		}

		/** @return the effective weight: the configured one, lowered by recent failures */
		public int effective() {
			return this.effective;
		}

		/** @return the current weight, the running score of the algorithm */
		public long current() {
			return this.current;
		}

		/** A request to this server failed: halve the effective weight, rounded up. */
		public void failed() {
			this.effective = (this.effective + 1) / 2;
		}

	}

	/**
	 * Pick the next server.
	 * @param servers the state of every server
	 * @param selectable which servers (by index) may be picked now
	 * @return the index of the server picked, or -1 when none is selectable
	 */
	public static int next(Weights[] servers, IntPredicate selectable) {
		if (servers.length == 1) {
			return selectable.test(0) ? 0 : -1;
		}
		int best = -1;
		long total = 0;
		for (int i = 0; i < servers.length; i++) {
			if (!selectable.test(i)) {
				continue;
			}
			Weights server = servers[i];
			server.current += server.effective;
			total += server.effective;
			if (server.effective < server.weight) {
				server.effective++;
			}
			if (best < 0 || server.current > servers[best].current) {
				best = i;
			}
		}
		if (best >= 0) {
			servers[best].current -= total;
		}
		return best;
	}

}
