package io.restygateway.app;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThatException;

/**
 * A Zstd or Base64 filter with bad arguments in YAML stops the start, and the message names the route, the filter
 * and the argument at fault.
 */
class CompressionConfigTests {

	@Test
	void levelZeroIsRefusedAsTheModuleRefusesIt() {
		assertThatException().isThrownBy(() -> RateLimitConfigTests.startWith("Zstd", "level=0"))
			.withStackTraceContaining("Zstd on route 'limited': level: must be from")
			.withStackTraceContaining("and not 0, was 0");
	}

	@Test
	void aLevelBeyondTheMaximum() {
		assertThatException().isThrownBy(() -> RateLimitConfigTests.startWith("Zstd", "level=23"))
			.withStackTraceContaining("level: must be from");
	}

	@Test
	void aTypeThatIsNoMediaType() {
		assertThatException().isThrownBy(() -> RateLimitConfigTests.startWith("Zstd", "types=text"))
			.withStackTraceContaining("Zstd on route 'limited': types: 'text' is not a media type");
	}

	@Test
	void aDictionaryThatCannotBeRead() {
		assertThatException()
			.isThrownBy(() -> RateLimitConfigTests.startWith("Zstd", "dictionary=file:/nonexistent/dict.zst"))
			.withStackTraceContaining("Zstd on route 'limited': dictionary: cannot read");
	}

	@Test
	void aNegativeMaxLength() {
		assertThatException().isThrownBy(() -> RateLimitConfigTests.startWith("Base64", "max-length=-1"))
			.withStackTraceContaining("Base64 on route 'limited': max-length: must not be negative");
	}

}
