package io.restygateway.key;

import java.util.Map;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class RequestKeyTests {

	record FakeRequest(@Nullable String clientAddress, String uri, String path, @Nullable String routeId,
			Map<String, String> headers, Map<String, String> cookies, Map<String, String> query) implements RequestView {

		@Override
		public @Nullable String header(String name) {
			return this.headers.entrySet()
				.stream()
				.filter(e -> e.getKey().equalsIgnoreCase(name))
				.map(Map.Entry::getValue)
				.findFirst()
				.orElse(null);
		}

		@Override
		public @Nullable String cookie(String name) {
			return this.cookies.get(name);
		}

		@Override
		public @Nullable String query(String name) {
			return this.query.get(name);
		}

	}

	static final FakeRequest REQUEST = new FakeRequest("192.0.2.7", "/shop/cart?id=7", "/shop/cart", "shop",
			Map.of("X-User-Id", "u-42", "X-Empty", ""), Map.of("session", "s-1"), Map.of("id", "7"));

	@Test
	void everySourceResolves() {
		assertThat(RequestKey.parse("ip").resolve(REQUEST)).isEqualTo("192.0.2.7");
		assertThat(RequestKey.parse("uri").resolve(REQUEST)).isEqualTo("/shop/cart?id=7");
		assertThat(RequestKey.parse("path").resolve(REQUEST)).isEqualTo("/shop/cart");
		assertThat(RequestKey.parse("route").resolve(REQUEST)).isEqualTo("shop");
		assertThat(RequestKey.parse("header:x-user-id").resolve(REQUEST)).isEqualTo("u-42");
		assertThat(RequestKey.parse("cookie:session").resolve(REQUEST)).isEqualTo("s-1");
		assertThat(RequestKey.parse("query:id").resolve(REQUEST)).isEqualTo("7");
	}

	@Test
	void absentOrEmptyValuesAreNull() {
		assertThat(RequestKey.parse("header:X-Missing").resolve(REQUEST)).isNull();
		assertThat(RequestKey.parse("header:X-Empty").resolve(REQUEST)).isNull();
		assertThat(RequestKey.parse("cookie:other").resolve(REQUEST)).isNull();
	}

	@Test
	void parsingIsForgivingAboutCaseAndBlanksAndRoundTrips() {
		RequestKey key = RequestKey.parse("  Header : X-User-Id ");
		assertThat(key.source()).isEqualTo(RequestKey.Source.HEADER);
		assertThat(key.name()).isEqualTo("X-User-Id");
		assertThat(key).hasToString("header:X-User-Id");
		assertThat(RequestKey.parse(key.toString())).isEqualTo(key);
		assertThat(RequestKey.parse("IP")).hasToString("ip");
	}

	@Test
	void badKeysSayWhatIsWrong() {
		assertThatIllegalArgumentException().isThrownBy(() -> RequestKey.parse("host"))
			.withMessage("'host' is not a request key: use ip, uri, path, route, header:NAME, cookie:NAME or query:NAME");
		assertThatIllegalArgumentException().isThrownBy(() -> RequestKey.parse("header"))
			.withMessageContaining("header needs a name");
		assertThatIllegalArgumentException().isThrownBy(() -> RequestKey.parse("header: "))
			.withMessageContaining("header needs a name");
		assertThatIllegalArgumentException().isThrownBy(() -> RequestKey.parse("ip:x"))
			.withMessageContaining("ip takes no name");
	}

	@Test
	void aListFallsBackToTheNextKeyWhenOneIsAbsent() {
		RequestKeys keys = RequestKeys.parse("header:X-Missing, cookie:session", "ip");
		assertThat(keys.keys()).hasSize(3);
		assertThat(keys.resolve(REQUEST)).isEqualTo("s-1");
		assertThat(RequestKeys.parse("header:X-Missing", "ip").resolve(REQUEST)).isEqualTo("192.0.2.7");
		assertThat(RequestKeys.parse("header:X-Missing").resolve(REQUEST)).isNull();
		assertThat(keys).hasToString("header:X-Missing, cookie:session, ip");
	}

	@Test
	void anEmptyListIsRefused() {
		assertThatIllegalArgumentException().isThrownBy(() -> RequestKeys.parse(" , "))
			.withMessageStartingWith("no request key given");
	}

}
