package io.restygateway.compress;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class AcceptEncodingTests {

	@Test
	void qualityValuesAreHonouredUnlikeTheNginxModule() {
		assertThat(AcceptEncoding.parse("zstd;q=0").accepts("zstd")).isFalse();
		assertThat(AcceptEncoding.parse("zstd; q=0.0, gzip").accepts("zstd")).isFalse();
		assertThat(AcceptEncoding.parse("gzip, zstd;q=0.5").quality("zstd")).isEqualTo(0.5);
		assertThat(AcceptEncoding.parse("gzip, zstd, br").accepts("zstd")).isTrue();
		assertThat(AcceptEncoding.parse("ZSTD").accepts("zstd")).isTrue();
	}

	@Test
	void anUnlistedCodingTakesTheStarsQualityElseIsRefused() {
		assertThat(AcceptEncoding.parse("gzip, br").accepts("zstd")).isFalse();
		assertThat(AcceptEncoding.parse("*").accepts("zstd")).isTrue();
		assertThat(AcceptEncoding.parse("*;q=0, gzip").accepts("zstd")).isFalse();
		assertThat(AcceptEncoding.parse("zstd, *;q=0").accepts("zstd")).isTrue();
		assertThat(AcceptEncoding.parse(List.of()).accepts("zstd")).isFalse();
		assertThat(AcceptEncoding.parse((List<String>) null).accepts("zstd")).isFalse();
	}

	@Test
	void tokensThatOnlyLookAlikeDoNotMatch() {
		assertThat(AcceptEncoding.parse("zstdx, xzstd").accepts("zstd")).isFalse();
		assertThat(AcceptEncoding.parse("gzip", "zstd").accepts("zstd")).isTrue();
	}

	@Test
	void malformedMembersAreSkipped() {
		assertThat(AcceptEncoding.parse("zstd;q=high, gzip").accepts("zstd")).isFalse();
		assertThat(AcceptEncoding.parse("zstd;q=2").accepts("zstd")).isFalse();
		assertThat(AcceptEncoding.parse(" , ;q=1, zstd").accepts("zstd")).isTrue();
	}

}
