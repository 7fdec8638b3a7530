package io.restygateway.proxy;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.Test;

import org.springframework.cloud.gateway.filter.headers.RemoveHopByHopHeadersFilter;

import static org.assertj.core.api.Assertions.assertThat;

class HeaderRulesTests {

	private final HeaderRules rules = new HeaderRules(RemoveHopByHopHeadersFilter.HEADERS_REMOVED_ON_REQUEST, true,
			true, true);

	private static HttpHeaders headers(String... namesAndValues) {
		DefaultHttpHeaders headers = new DefaultHttpHeaders(false);
		for (int i = 0; i < namesAndValues.length; i += 2) {
			headers.add(namesAndValues[i], namesAndValues[i + 1]);
		}
		return headers;
	}

	private static List<String> lines(HttpHeaders headers) {
		List<String> lines = new ArrayList<>();
		headers.forEach(header -> lines.add(header.getKey() + ": " + header.getValue()));
		return lines;
	}

	@Test
	void theRequestLosesHopByHopForwardedAndHostHeadersAndKeepsTheRestInOrder() {
		HttpHeaders sent = this.rules.request(headers("Host", "gw", "Connection", "keep-alive, X-Hop", "X-Hop", "1",
				"Keep-Alive", "5", "TE", "trailers", "Upgrade", "h2c", "Proxy-Authorization", "x",
				"X-Forwarded-For", "10.0.0.1", "x-forwarded-proto", "https", "Forwarded", "for=1", "X-A", "1",
				"X-B", "2", "X-A", "3"), null);
		assertThat(lines(sent)).containsExactly("X-A: 1", "X-B: 2", "X-A: 3");
	}

	@Test
	void aChunkedRequestLosesItsContentLengthButNotOtherwise() {
		assertThat(lines(this.rules.request(headers("Transfer-Encoding", " Chunked ", "Content-Length", "5"), null)))
			.isEmpty();
		assertThat(lines(this.rules.request(headers("Content-Length", "5"), null))).containsExactly("Content-Length: 5");
		HeaderRules keep = new HeaderRules(Set.of("transfer-encoding"), false, false, false);
		assertThat(lines(keep.request(headers("Transfer-Encoding", "chunked", "Content-Length", "5"), null)))
			.containsExactly("Content-Length: 5");
	}

	@Test
	void aPreservedHostIsSentAndForwardedHeadersStayWhenTheirFiltersAreAbsent() {
		HeaderRules keepForwarded = new HeaderRules(Set.of("connection"), false, false, true);
		assertThat(lines(keepForwarded.request(headers("Host", "gw", "X-Forwarded-For", "1", "Forwarded", "for=1"),
				"gw.example")))
			.containsExactly("X-Forwarded-For: 1", "Forwarded: for=1", "host: gw.example");
	}

	@Test
	void theAnswerLosesItsHopByHopHeadersAndThoseItsConnectionNames() {
		List<String> kept = new ArrayList<>();
		this.rules.response(headers("Content-Type", "text/plain", "Connection", "X-Private", "X-Private", "1",
				"Transfer-Encoding", "chunked", "Keep-Alive", "timeout=5", "Proxy-Authenticate", "Basic",
				"Set-Cookie", "a=1", "Set-Cookie", "b=2"), (name, value) -> kept.add(name + ": " + value));
		assertThat(kept).containsExactly("Content-Type: text/plain", "Set-Cookie: a=1", "Set-Cookie: b=2");
	}

}
