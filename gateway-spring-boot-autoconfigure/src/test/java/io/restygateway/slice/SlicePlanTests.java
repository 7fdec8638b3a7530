package io.restygateway.slice;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.restygateway.slice.SlicePlan.SliceHead;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Aligned slices of 2 bytes over a 16-byte object (the spec's list), and every answer a slice request must not
 * accept.
 */
class SlicePlanTests {

	static final SlicePlan TWO = new SlicePlan(2);

	static List<String> requests(long first, long last) {
		List<String> requests = new ArrayList<>();
		for (long i = TWO.index(first); i <= TWO.index(last); i++) {
			requests.add(TWO.rangeHeader(i));
		}
		return requests;
	}

	@Test
	void theSlicesARangeNeeds() {
		assertThat(requests(0, 15)).containsExactly("bytes=0-1", "bytes=2-3", "bytes=4-5", "bytes=6-7", "bytes=8-9",
				"bytes=10-11", "bytes=12-13", "bytes=14-15");
		assertThat(requests(3, 4)).containsExactly("bytes=2-3", "bytes=4-5");
		assertThat(TWO.count(16)).isEqualTo(8);
		assertThat(TWO.count(17)).isEqualTo(9);
		assertThat(TWO.count(0)).isZero();
		assertThat(TWO.covers(8, 17)).isEqualTo(new ByteRange(16, 16));
		assertThat(new SlicePlan(1 << 20).rangeHeader(1)).isEqualTo("bytes=1048576-2097151");
		assertThatIllegalArgumentException().isThrownBy(() -> new SlicePlan(0));
	}

	@Test
	void aGoodSliceAnswer() {
		assertThat(TWO.fault(0, 206, "bytes 0-1/16", "\"E\"", null)).isNull();
		assertThat(TWO.fault(7, 206, "bytes 14-15/16", "\"E\"", new SliceHead(16, "\"E\""))).isNull();
		assertThat(TWO.fault(8, 206, "bytes 16-16/17", "\"E\"", new SliceHead(17, "\"E\""))).as("the short last slice")
			.isNull();
	}

	@Test
	void everyFaultIsNamed() {
		SliceHead head = new SliceHead(16, "\"E\"");
		assertThat(TWO.fault(0, 200, "bytes 0-1/16", "\"E\"", null)).contains("200 instead of 206");
		assertThat(TWO.fault(1, 206, "bytes 2-3/16", "\"F\"", head)).contains("validator \"F\" differs");
		assertThat(TWO.fault(1, 206, null, "\"E\"", head)).contains("is not bytes FIRST-LAST/TOTAL");
		assertThat(TWO.fault(1, 206, "bytes", "\"E\"", head)).contains("is not bytes");
		assertThat(TWO.fault(0, 206, "bytes 0-1/*", "\"E\"", null)).contains("is not bytes");
		assertThat(TWO.fault(0, 206, "bytes 0-2/100", "\"E\"", null)).contains("0-2 where 0-1 was asked for");
		assertThat(TWO.fault(0, 206, "bytes 1-2/100", "\"E\"", null)).contains("1-2 where 0-1 was asked for");
		assertThat(TWO.fault(1, 206, "bytes 2-3/18", "\"E\"", head)).contains("the total changed from 16 to 18");
		assertThat(TWO.fault(9, 206, "bytes 18-19/20", "\"E\"", null)).isNull();
		assertThat(TWO.fault(1, 206, "bytes 2-1/16", "\"E\"", head)).contains("is not bytes");
	}

}
