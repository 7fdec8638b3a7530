package io.restygateway.ratelimit;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How a client's key appears in a bucket's name in Redis: readable when it is short and printable, hashed otherwise.
 */
class BucketNamesTests {

	@Test
	void shortPrintableKeysAreKeptSoThatOperatorsCanFindThem() {
		assertThat(LeakyBucketLimiter.bucketKey("127.0.0.1")).isEqualTo("127.0.0.1");
		assertThat(LeakyBucketLimiter.bucketKey("2001:db8::1")).isEqualTo("2001:db8::1");
		assertThat(LeakyBucketLimiter.bucketKey("k".repeat(128))).isEqualTo("k".repeat(128));
	}

	@Test
	void longOrOddKeysAreHashed() {
		assertThat(LeakyBucketLimiter.bucketKey("k".repeat(129))).startsWith("sha256:").hasSize(7 + 64);
		assertThat(LeakyBucketLimiter.bucketKey("with space")).startsWith("sha256:");
		assertThat(LeakyBucketLimiter.bucketKey("naïve")).startsWith("sha256:");
		assertThat(LeakyBucketLimiter.bucketKey("a\r\nb")).isNotEqualTo(LeakyBucketLimiter.bucketKey("a\nb"));
	}

}
