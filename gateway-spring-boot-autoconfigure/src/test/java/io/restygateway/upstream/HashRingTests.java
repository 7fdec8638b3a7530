package io.restygateway.upstream;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class HashRingTests {

	private static final int KEYS = 100_000;

	private static List<String> servers(int count) {
		List<String> ids = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			ids.add("10.0." + (i / 250) + "." + (i % 250 + 1) + ":8080");
		}
		return ids;
	}

	private static int[] ones(int count) {
		int[] weights = new int[count];
		Arrays.fill(weights, 1);
		return weights;
	}

	private static int[] assign(HashRing ring, java.util.function.IntPredicate selectable) {
		int[] owner = new int[KEYS];
		for (int k = 0; k < KEYS; k++) {
			owner[k] = ring.locate("user-" + k, selectable);
		}
		return owner;
	}

	@Test
	void spreadsKeysEvenly() {
		HashRing ring = new HashRing(servers(10), ones(10));
		int[] counts = new int[10];
		for (int owner : assign(ring, s -> true)) {
			counts[owner]++;
		}
		double mean = KEYS / 10.0;
		int busiest = IntStream.of(counts).max().orElseThrow();
		assertThat(busiest / mean).as("busiest / mean, counts %s", Arrays.toString(counts)).isLessThanOrEqualTo(1.1);
	}

	@Test
	void removingAnyServerMovesOnlyItsKeysAndAtMostOneNthPlusOnePercent() {
		List<String> ids = servers(10);
		int[] before = assign(new HashRing(ids, ones(10)), s -> true);
		for (int removed = 0; removed < 10; removed++) {
			List<String> fewer = new ArrayList<>(ids);
			fewer.remove(removed);
			HashRing smaller = new HashRing(fewer, ones(9));
			int moved = 0;
			for (int k = 0; k < KEYS; k++) {
				String now = fewer.get(smaller.locate("user-" + k, s -> true));
				String then = ids.get(before[k]);
				if (!now.equals(then)) {
					moved++;
					assertThat(then).as("only the removed server's keys move").isEqualTo(ids.get(removed));
				}
			}
			assertThat(moved / (double) KEYS).as("moved when %s leaves", ids.get(removed))
				.isLessThanOrEqualTo(1 / 10.0 + 0.01);
		}
	}

	@Test
	void hugeWeightsStillBuildABoundedRing() {
		HashRing ring = new HashRing(servers(300), IntStream.range(0, 300).map(i -> 10_000 - i).toArray());
		assertThat(ring.size()).isLessThanOrEqualTo(HashRing.MAX_POINTS);
		assertThat(ring.locate("k", s -> true)).isBetween(0, 299);
	}

	@Test
	void aFailedServersKeysGoElsewhereAndNoOtherKeyMoves() {
		HashRing ring = new HashRing(servers(10), ones(10));
		int[] healthy = assign(ring, s -> true);
		int[] oneDown = assign(ring, s -> s != 7);
		for (int k = 0; k < KEYS; k++) {
			if (healthy[k] == 7) {
				assertThat(oneDown[k]).isNotEqualTo(7).isNotNegative();
			}
			else {
				assertThat(oneDown[k]).isEqualTo(healthy[k]);
			}
		}
	}

	@Test
	void weightsCount() {
		int[] weights = { 1, 2, 1, 4 };
		HashRing ring = new HashRing(servers(4), weights);
		int[] counts = new int[4];
		for (int owner : assign(ring, s -> true)) {
			counts[owner]++;
		}
		double unit = KEYS / 8.0;
		for (int s = 0; s < 4; s++) {
			assertThat(counts[s] / (unit * weights[s])).as("server %d: %s", s, Arrays.toString(counts))
				.isBetween(0.9, 1.1);
		}
	}

	@Test
	void theSameKeyAlwaysGoesToTheSameServer() {
		HashRing ring = new HashRing(servers(5), ones(5));
		HashRing again = new HashRing(servers(5), ones(5));
		for (int k = 0; k < 1000; k++) {
			assertThat(ring.locate("k" + k, s -> true)).isEqualTo(again.locate("k" + k, s -> true));
		}
	}

	@Test
	void nothingSelectableGivesMinusOneAndAnEmptyRingToo() {
		assertThat(new HashRing(servers(3), ones(3)).locate("k", s -> false)).isEqualTo(-1);
		assertThat(new HashRing(List.of(), new int[0]).locate("k", s -> true)).isEqualTo(-1);
	}

}
