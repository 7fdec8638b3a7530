package io.restygateway.compress;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ValidatorsTests {

	@Test
	void aStrongETagBecomesWeakAWeakOneStaysAnUnquotedOneGoes() {
		assertThat(Validators.weaken("\"5be17d33-e95a\"")).isEqualTo("W/\"5be17d33-e95a\"");
		assertThat(Validators.weaken("W/\"x\"")).isEqualTo("W/\"x\"");
		assertThat(Validators.weaken("unquoted")).isNull();
		assertThat(Validators.weaken("\"")).isNull();
		assertThat(Validators.weaken(null)).isNull();
	}

}
