package io.restygateway.upstream;

import java.util.Arrays;

import org.junit.jupiter.api.Test;

import io.restygateway.upstream.SmoothWeightedRoundRobin.Weights;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The exact sequences of lua-resty-checkups' {@code t/round_robin.t} and nginx's algorithm.
 */
class SmoothWeightedRoundRobinTests {

	private static String picks(Weights[] servers, String names, int count, java.util.function.IntPredicate selectable) {
		StringBuilder out = new StringBuilder();
		for (int i = 0; i < count; i++) {
			int picked = SmoothWeightedRoundRobin.next(servers, selectable);
			out.append(picked < 0 ? '-' : names.charAt(picked));
		}
		return out.toString();
	}

	private static Weights[] weights(int... weights) {
		return Arrays.stream(weights).mapToObj(Weights::new).toArray(Weights[]::new);
	}

	@Test
	void checkupsSingleLevelSequence() {
		// round_robin.t TEST 2: A=1 B=4 C=3 E=6, 28 picks.
		assertThat(picks(weights(1, 4, 3, 6), "ABCE", 28, i -> true)).isEqualTo("EBCEBEACEBECBEEBCEBEACEBECBE");
	}

	@Test
	void checkupsSingleKeySequence() {
		// round_robin.t TEST 4: A=1 B=2 C=3, 18 picks.
		assertThat(picks(weights(1, 2, 3), "ABC", 18, i -> true)).isEqualTo("CBACBCCBACBCCBACBC");
	}

	@Test
	void nginxClassicSequence() {
		// nginx's commit message for smooth weighted round robin: a=5 b=1 c=1 gives a a b a c a a.
		assertThat(picks(weights(5, 1, 1), "abc", 7, i -> true)).isEqualTo("aabacaa");
	}

	@Test
	void eachServerGetsItsShareOverACycle() {
		Weights[] servers = weights(1, 4, 3, 6);
		int[] counts = new int[4];
		for (int i = 0; i < 14 * 100; i++) {
			counts[SmoothWeightedRoundRobin.next(servers, s -> true)]++;
		}
		assertThat(counts).containsExactly(100, 400, 300, 600);
	}

	@Test
	void unselectableServersAreSkippedAndTheOthersKeepTheirProportions() {
		Weights[] servers = weights(1, 4, 3, 6);
		int[] counts = new int[4];
		for (int i = 0; i < 1000; i++) {
			counts[SmoothWeightedRoundRobin.next(servers, s -> s != 3)]++;
		}
		assertThat(counts[3]).isZero();
		assertThat(counts[0] + counts[1] + counts[2]).isEqualTo(1000);
		assertThat(counts[1]).isBetween(495, 505);
		assertThat(counts[2]).isBetween(370, 380);
	}

	@Test
	void noSelectableServerGivesMinusOne() {
		assertThat(SmoothWeightedRoundRobin.next(weights(1, 2), s -> false)).isEqualTo(-1);
		assertThat(SmoothWeightedRoundRobin.next(weights(3), s -> false)).isEqualTo(-1);
		assertThat(SmoothWeightedRoundRobin.next(weights(3), s -> true)).isZero();
	}

	@Test
	void aFailureHalvesTheEffectiveWeightWhichRecoversByOnePerPick() {
		Weights[] servers = weights(6, 1);
		servers[0].failed();
		assertThat(servers[0].effective()).isEqualTo(3);
		servers[0].failed();
		assertThat(servers[0].effective()).isEqualTo(2);
		servers[0].failed();
		servers[0].failed();
		assertThat(servers[0].effective()).isEqualTo(1);
		servers[0].failed();
		assertThat(servers[0].effective()).isEqualTo(1);
		for (int pick = 1; pick <= 5; pick++) {
			SmoothWeightedRoundRobin.next(servers, s -> true);
			assertThat(servers[0].effective()).isEqualTo(Math.min(6, 1 + pick));
		}
		SmoothWeightedRoundRobin.next(servers, s -> true);
		assertThat(servers[0].effective()).isEqualTo(6);
	}

	@Test
	void aFailedServerGetsLessTrafficUntilItRecovers() {
		Weights[] servers = weights(5, 5);
		servers[0].failed();
		servers[0].failed();
		// Effective weight 2 against 5: a gets two of the next five picks, then its weight is back.
		assertThat(picks(servers, "ab", 5, i -> true)).isEqualTo("babab");
		assertThat(servers[0].effective()).isEqualTo(5);
		String after = picks(servers, "ab", 100, i -> true);
		assertThat(after.chars().filter(c -> c == 'a').count()).isEqualTo(50);
	}

}
