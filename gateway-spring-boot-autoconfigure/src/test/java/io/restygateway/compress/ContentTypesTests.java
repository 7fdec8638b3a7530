package io.restygateway.compress;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class ContentTypesTests {

	@Test
	void textHtmlIsAlwaysInAndParametersDoNotMatter() {
		ContentTypes types = ContentTypes.of(List.of("application/json"));
		assertThat(types.matches("text/html; charset=utf-8")).isTrue();
		assertThat(types.matches("Application/JSON")).isTrue();
		assertThat(types.matches("text/plain")).isFalse();
		assertThat(types.matches(null)).isFalse();
		assertThat(ContentTypes.of(null).listed()).containsExactly("text/html");
	}

	@Test
	void aCommaListATypeWildcardAndStar() {
		ContentTypes types = ContentTypes.of(List.of("text/css, text/*", "application/javascript"));
		assertThat(types.matches("text/plain")).isTrue();
		assertThat(types.matches("application/javascript")).isTrue();
		assertThat(types.matches("image/png")).isFalse();
		ContentTypes any = ContentTypes.of(List.of("*"));
		assertThat(any.matches("image/png")).isTrue();
		assertThat(any.matches(null)).as("nginx's * takes an answer without a type too").isTrue();
		assertThat(any.listed()).containsExactly("text/html", "*");
	}

	@Test
	void aTypeThatIsNoTypeIsNamed() {
		assertThatIllegalArgumentException().isThrownBy(() -> ContentTypes.of(List.of("text")))
			.withMessageContaining("'text' is not a media type");
	}

}
