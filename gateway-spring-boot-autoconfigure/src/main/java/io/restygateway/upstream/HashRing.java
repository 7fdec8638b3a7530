package io.restygateway.upstream;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntPredicate;

/**
 * Weighted consistent hashing on a ring (Ketama style): each server gets {@code pointsPerWeight × weight} points
 * at the 64-bit hashes of {@code "host:port#i"}; a key goes to the server of the first point at or after its own
 * hash, walking on (with wrap-around) past servers that are not selectable. So removing or failing a server moves
 * only the keys it held, and a server of weight 2 holds about twice the keys of one of weight 1 (the Lua original
 * gives every server the same number of points, whatever its weight).
 *
 * <p>Why a ring and not Maglev: a ring moves exactly the keys of a server that leaves, where Maglev's table
 * rebuild also reassigns a few percent of other keys; with enough points per server (1000 per unit of weight, the
 * weights first divided by their greatest common divisor) the ring's spread is within a few percent of even, and
 * a lookup is a binary search over a sorted {@code long[]}. The points of one ring are capped at about four
 * million (32 MiB), so very large weights get fewer points per unit.
 *
 * <p>Immutable and thread-safe.
 */
public final class HashRing {

	/** Points per unit of weight when the ring is small enough. */
	public static final int DEFAULT_POINTS_PER_WEIGHT = 1000;

	/** The most points a ring gets. */
	public static final int MAX_POINTS = 4_000_000;

	/** The most servers one ring can hold. */
	public static final int MAX_SERVERS = 1 << 16;

	private final long[] points;

	private final int servers;

	/**
	 * @param ids the servers' ids (e.g. {@code "10.0.0.1:8080"}), distinct
	 * @param weights their weights, each at least 1
	 * @param pointsPerWeight points per unit of weight
	 */
	public HashRing(List<String> ids, int[] weights, int pointsPerWeight) {
		if (ids.size() != weights.length) {
			throw new IllegalArgumentException("one weight per server");
		}
		long total = 0;
		for (int weight : weights) {
			if (weight < 1) {
				throw new IllegalArgumentException("weights must be at least 1");
			}
			total += (long) weight * pointsPerWeight;
		}
		if (total > MAX_POINTS) {
			throw new IllegalArgumentException("too many ring points (" + total + ")");
		}
		if (ids.size() > MAX_SERVERS) {
			throw new IllegalArgumentException("at most " + MAX_SERVERS + " servers on one ring");
		}
		// Each point packs 47 bits of hash above 16 bits of owner: one primitive sort orders the ring, and equal
		// hashes fall to the lower server index.
		long[] packed = new long[(int) total];
		int n = 0;
		for (int s = 0; s < ids.size(); s++) {
			int count = weights[s] * pointsPerWeight;
			for (int i = 0; i < count; i++) {
				packed[n++] = position(hash(ids.get(s) + "#" + i)) | s;
			}
		}
		Arrays.sort(packed);
		this.points = packed;
		this.servers = ids.size();
	}

	/**
	 * A ring with as many points per unit of weight as fit: up to {@link #DEFAULT_POINTS_PER_WEIGHT}, at least one.
	 * @param ids the servers' ids
	 * @param weights their weights
	 */
	public HashRing(List<String> ids, int[] weights) {
		this(ids, reduced(weights), pointsPerWeight(reduced(weights)));
	}

	// Weights 2, 4, 6 give the same ring as 1, 2, 3, with more points per server.
	private static int[] reduced(int[] weights) {
		int divisor = 0;
		for (int weight : weights) {
			divisor = gcd(divisor, Math.max(weight, 1));
		}
		int[] reduced = weights.clone();
		for (int i = 0; i < reduced.length && divisor > 1; i++) {
			reduced[i] /= divisor;
		}
		return reduced;
	}

	private static int gcd(int a, int b) {
		return b == 0 ? a : gcd(b, a % b);
	}

	private static int pointsPerWeight(int[] weights) {
		long sum = 0;
		for (int weight : weights) {
			sum += Math.max(weight, 1);
		}
		return (int) Math.max(1, Math.min(DEFAULT_POINTS_PER_WEIGHT, MAX_POINTS / Math.max(sum, 1)));
	}

	/**
	 * Find the server for a key.
	 * @param key the key's value
	 * @param selectable which servers (by index) may take it now
	 * @return the server's index, or -1 when none is selectable
	 */
	public int locate(String key, IntPredicate selectable) {
		return locate(hash(key), selectable);
	}

	/**
	 * @param keyHash the key's hash ({@link #hash(String)})
	 * @param selectable which servers may take it
	 * @return the server's index, or -1 when none is selectable
	 */
	public int locate(long keyHash, IntPredicate selectable) {
		int n = this.points.length;
		if (n == 0) {
			return -1;
		}
		int start = firstAtOrAfter(position(keyHash));
		int owner = owner(start);
		if (selectable.test(owner)) {
			return owner;
		}
		// Walk on past unselectable servers, testing each server once.
		boolean[] seen = new boolean[this.servers];
		seen[owner] = true;
		int tested = 1;
		for (int step = 1; step < n && tested < this.servers; step++) {
			int candidate = owner((start + step) % n);
			if (seen[candidate]) {
				continue;
			}
			if (selectable.test(candidate)) {
				return candidate;
			}
			seen[candidate] = true;
			tested++;
		}
		return -1;
	}

	// A 64-bit hash as a position on the ring: its top 47 bits, shifted above the 16 owner bits.
	private static long position(long hash) {
		return (hash >>> 17) << 16;
	}

	private int owner(int point) {
		return (int) (this.points[point] & 0xFFFF);
	}

	private int firstAtOrAfter(long position) {
		int found = Arrays.binarySearch(this.points, position);
		int index = found >= 0 ? found : -found - 1;
		return index == this.points.length ? 0 : index;
	}

	/** @return the number of points on the ring */
	public int size() {
		return this.points.length;
	}

	/**
	 * A 64-bit hash of a string's UTF-8 bytes: MurmurHash3's x64 mixing over FNV-1a, well spread for short keys.
	 * @param text the text
	 * @return its hash
	 */
	public static long hash(String text) {
		long h = 0xcbf29ce484222325L;
		for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
			h ^= b & 0xff;
			h *= 0x100000001b3L;
		}
		h ^= h >>> 33;
		h *= 0xff51afd7ed558ccdL;
		h ^= h >>> 33;
		h *= 0xc4ceb9fe1a85ec53L;
		h ^= h >>> 33;
		return h;
	}

}
