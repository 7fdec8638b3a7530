package io.restygateway.slice;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import io.restygateway.slice.RangeSet.Kind;
import io.restygateway.slice.RangeSet.Resolved;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * RFC 9110 §14 range rules on a 16-byte representation, then random headers against a reference that works on sets
 * of byte positions instead of arithmetic.
 */
class RangeSetTests {

	static Resolved on16(String header) {
		return RangeSet.parse(header).resolve(16);
	}

	@Test
	void singleOpenAndSuffixRanges() {
		assertThat(on16("bytes=3-4").ranges()).containsExactly(new ByteRange(3, 4));
		assertThat(on16("bytes=2-").ranges()).containsExactly(new ByteRange(2, 15));
		assertThat(on16("bytes=-10").ranges()).containsExactly(new ByteRange(6, 15));
		assertThat(on16("bytes=-100").ranges()).as("a suffix longer than the whole").containsExactly(new ByteRange(0, 15));
		assertThat(on16("bytes=10-100").ranges()).as("clipped at the end").containsExactly(new ByteRange(10, 15));
		assertThat(new ByteRange(3, 4).contentRange(16)).isEqualTo("bytes 3-4/16");
	}

	@Test
	void severalRangesKeepTheirOrderAndOnlyTheSatisfiableOnesAreServed() {
		assertThat(on16("bytes=3-3,4-4").ranges()).containsExactly(new ByteRange(3, 3), new ByteRange(4, 4));
		assertThat(on16("bytes=8-9, 0-1").ranges()).containsExactly(new ByteRange(8, 9), new ByteRange(0, 1));
		assertThat(on16("bytes=0-1,999-").ranges()).containsExactly(new ByteRange(0, 1));
		assertThat(on16("bytes=0-1,,2-3").ranges()).hasSize(2);
	}

	@Test
	void unsatisfiableAndInvalidAre416() {
		assertThat(on16("bytes=20-30").kind()).isEqualTo(Kind.UNSATISFIABLE);
		assertThat(on16("bytes=-0").kind()).isEqualTo(Kind.UNSATISFIABLE);
		assertThat(on16("bytes=16-").kind()).isEqualTo(Kind.UNSATISFIABLE);
		assertThat(on16("bytes=5-2").kind()).isEqualTo(Kind.UNSATISFIABLE);
		assertThat(on16("bytes=abc").kind()).isEqualTo(Kind.UNSATISFIABLE);
		assertThat(on16("bytes=").kind()).isEqualTo(Kind.UNSATISFIABLE);
		assertThat(on16("bytes=-").kind()).isEqualTo(Kind.UNSATISFIABLE);
		assertThat(on16("bytes=1-2-3").kind()).isEqualTo(Kind.UNSATISFIABLE);
		assertThat(RangeSet.parse("bytes=0-").resolve(0).kind()).as("an empty representation has no byte 0")
			.isEqualTo(Kind.UNSATISFIABLE);
		assertThat(on16("bytes=99999999999999999999-").kind()).isEqualTo(Kind.UNSATISFIABLE);
	}

	@Test
	void theStartOfASingleRange() {
		assertThat(RangeSet.parse("bytes=6-7").singleStart()).isEqualTo(6);
		assertThat(RangeSet.parse("bytes=6-").singleStart()).isEqualTo(6);
		assertThat(RangeSet.parse("bytes=-6").singleStart()).isEqualTo(-1);
		assertThat(RangeSet.parse("bytes=0-1,6-7").singleStart()).isEqualTo(-1);
		assertThat(RangeSet.parse("bytes=7-6").singleStart()).isEqualTo(-1);
		assertThat(RangeSet.parse(null).singleStart()).isEqualTo(-1);
	}

	@Test
	void otherUnitsNoHeaderAndFloodsGetTheWhole() {
		assertThat(on16("items=0-5").kind()).isEqualTo(Kind.WHOLE);
		assertThat(RangeSet.parse("items=0-5").present()).isFalse();
		assertThat(on16(null).kind()).isEqualTo(Kind.WHOLE);
		assertThat(on16("bytes=0-15,0-15").kind()).as("more bytes than the whole").isEqualTo(Kind.WHOLE);
		StringBuilder many = new StringBuilder("bytes=0-0");
		for (int i = 0; i < RangeSet.MAX_RANGES; i++) {
			many.append(",0-0");
		}
		assertThat(RangeSet.parse(many.toString()).resolve(1_000_000).kind()).isEqualTo(Kind.WHOLE);
	}

	// The reference: which byte positions each range names, by enumeration; no clipping arithmetic.
	static Resolved reference(List<long[]> specs, long length) {
		List<ByteRange> ranges = new ArrayList<>();
		long sum = 0;
		for (long[] spec : specs) {
			BitSet bytes = new BitSet();
			for (long p = 0; p < length; p++) {
				boolean in = spec[0] < 0 ? p >= length - spec[1] : p >= spec[0] && p <= spec[1];
				if (in) {
					bytes.set((int) p);
				}
			}
			if (!bytes.isEmpty()) {
				ranges.add(new ByteRange(bytes.nextSetBit(0), bytes.length() - 1));
				sum += bytes.cardinality();
			}
		}
		if (ranges.isEmpty()) {
			return new Resolved(Kind.UNSATISFIABLE, List.of());
		}
		if (ranges.size() > 1 && sum > length) {
			return new Resolved(Kind.WHOLE, List.of());
		}
		return new Resolved(Kind.PARTIAL, ranges);
	}

	@Test
	void randomHeadersResolveAsTheReferenceDoes() {
		Random random = new Random(2017);
		for (int round = 0; round < 20_000; round++) {
			long length = random.nextInt(40);
			List<long[]> specs = new ArrayList<>();
			StringBuilder header = new StringBuilder("bytes=");
			int count = 1 + random.nextInt(4);
			for (int i = 0; i < count; i++) {
				if (i > 0) {
					header.append(random.nextBoolean() ? "," : ", ");
				}
				if (random.nextInt(4) == 0) {
					long suffix = random.nextInt(50);
					specs.add(new long[] { -1, suffix });
					header.append('-').append(suffix);
				}
				else {
					long first = random.nextInt(50);
					boolean open = random.nextInt(3) == 0;
					long last = open ? Long.MAX_VALUE : first + random.nextInt(20);
					specs.add(new long[] { first, last });
					header.append(first).append('-').append(open ? "" : Long.toString(last));
				}
			}
			assertThat(RangeSet.parse(header.toString()).resolve(length)).as("%s on %d bytes", header, length)
				.isEqualTo(reference(specs, length));
		}
	}

}
