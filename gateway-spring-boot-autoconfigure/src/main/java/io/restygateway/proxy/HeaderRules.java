package io.restygateway.proxy;

import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;

/**
 * What Spring Cloud Gateway's stock header filters do to a proxied request and its answer, done in one pass over
 * Netty's headers instead of one copy per filter:
 * <ul>
 * <li>{@code RemoveXForwardedHeadersFilter} and {@code RemoveForwardedHeadersFilter} (no trusted proxies): the
 * client's {@code X-Forwarded-*} and {@code Forwarded} headers are dropped;</li>
 * <li>{@code TransferEncodingNormalizationHeadersFilter}: a request that says both {@code Transfer-Encoding:
 * chunked} and {@code Content-Length} loses its {@code Content-Length};</li>
 * <li>{@code RemoveHopByHopHeadersFilter}, both ways: its header names, and those the message's own
 * {@code Connection} header lists;</li>
 * <li>{@code NettyRoutingFilter}: the request's {@code Host} is dropped (the HTTP client sets the upstream's), unless
 * the route preserves it.</li>
 * </ul>
 * Names are compared without regard to case, as the filters do.
 */
final class HeaderRules {

	private final Set<String> hopByHop;

	private final boolean removeXForwarded;

	private final boolean removeForwarded;

	private final boolean normalizeTransferEncoding;

	/**
	 * @param hopByHop the lower-case names {@code RemoveHopByHopHeadersFilter} removes
	 * @param removeXForwarded whether {@code X-Forwarded-*} request headers are removed
	 * @param removeForwarded whether the {@code Forwarded} request header is removed
	 * @param normalizeTransferEncoding whether {@code Content-Length} goes when {@code Transfer-Encoding} is chunked
	 */
	HeaderRules(Set<String> hopByHop, boolean removeXForwarded, boolean removeForwarded,
			boolean normalizeTransferEncoding) {
		this.hopByHop = Set.copyOf(hopByHop);
		this.removeXForwarded = removeXForwarded;
		this.removeForwarded = removeForwarded;
		this.normalizeTransferEncoding = normalizeTransferEncoding;
	}

	/**
	 * The headers to send upstream.
	 * @param in the client's request headers
	 * @param preservedHost the client's {@code Host} to keep, or {@code null} to let the client set the upstream's
	 * @return a new set of headers
	 */
	HttpHeaders request(Iterable<Map.Entry<String, String>> in, @org.jspecify.annotations.Nullable String preservedHost) {
		boolean dropLength = this.normalizeTransferEncoding && chunkedWithLength(in);
		Set<String> listed = connectionOptions(in);
		DefaultHttpHeaders out = new DefaultHttpHeaders(false);
		for (Map.Entry<String, String> header : in) {
			String name = header.getKey();
			if (HttpHeaderNames.HOST.contentEqualsIgnoreCase(name) || removedOnRequest(name, listed)
					|| (dropLength && HttpHeaderNames.CONTENT_LENGTH.contentEqualsIgnoreCase(name))) {
				continue;
			}
			out.add(name, header.getValue());
		}
		if (preservedHost != null) {
			out.add(HttpHeaderNames.HOST, preservedHost);
		}
		return out;
	}

	/**
	 * Calls {@code sink} for every header of an upstream answer that goes on to the client, in order.
	 * @param in the upstream's answer headers
	 * @param sink what takes each kept header
	 */
	void response(HttpHeaders in, HeaderSink sink) {
		Set<String> listed = connectionOptions(in);
		for (Iterator<Map.Entry<String, String>> it = in.iteratorAsString(); it.hasNext();) {
			Map.Entry<String, String> header = it.next();
			String name = header.getKey();
			if (!isHopByHop(name, listed)) {
				sink.add(name, header.getValue());
			}
		}
	}

	/** Takes one header. */
	@FunctionalInterface
	interface HeaderSink {

		void add(String name, String value);

	}

	private boolean removedOnRequest(String name, Set<String> listed) {
		if (isHopByHop(name, listed)) {
			return true;
		}
		if (this.removeXForwarded && name.regionMatches(true, 0, "x-forwarded-", 0, 12)) {
			return true;
		}
		return this.removeForwarded && "forwarded".equalsIgnoreCase(name);
	}

	private boolean isHopByHop(String name, Set<String> listed) {
		if (this.hopByHop.isEmpty()) {
			return false;
		}
		String lower = lowerAscii(name);
		return this.hopByHop.contains(lower) || (!listed.isEmpty() && listed.contains(lower));
	}

	/** The names a {@code Connection} header lists, in lower case, as {@code RemoveHopByHopHeadersFilter} reads them. */
	private Set<String> connectionOptions(Iterable<Map.Entry<String, String>> in) {
		if (this.hopByHop.isEmpty()) {
			return Set.of();
		}
		Set<String> listed = null;
		for (Map.Entry<String, String> header : in) {
			if (!HttpHeaderNames.CONNECTION.contentEqualsIgnoreCase(header.getKey())) {
				continue;
			}
			for (String token : header.getValue().split(",")) {
				String option = token.trim();
				if (!option.isEmpty()) {
					if (listed == null) {
						listed = new java.util.HashSet<>(4);
					}
					listed.add(option.toLowerCase(Locale.ROOT));
				}
			}
		}
		return listed == null ? Set.of() : listed;
	}

	/** As {@code TransferEncodingNormalizationHeadersFilter}: the first Transfer-Encoding is "chunked", and a length is given. */
	private static boolean chunkedWithLength(Iterable<Map.Entry<String, String>> in) {
		String transferEncoding = null;
		boolean length = false;
		for (Map.Entry<String, String> header : in) {
			String name = header.getKey();
			if (transferEncoding == null && HttpHeaderNames.TRANSFER_ENCODING.contentEqualsIgnoreCase(name)) {
				transferEncoding = header.getValue();
			}
			else if (HttpHeaderNames.CONTENT_LENGTH.contentEqualsIgnoreCase(name)) {
				length = true;
			}
		}
		return length && transferEncoding != null && "chunked".equalsIgnoreCase(transferEncoding.trim());
	}

	private static String lowerAscii(String name) {
		for (int i = 0; i < name.length(); i++) {
			char c = name.charAt(i);
			if (c >= 'A' && c <= 'Z') {
				return name.toLowerCase(Locale.ROOT);
			}
		}
		return name;
	}

	@Override
	public String toString() {
		return "HeaderRules[hopByHop=" + List.copyOf(new java.util.TreeSet<>(this.hopByHop)) + ", removeXForwarded="
				+ this.removeXForwarded + ", removeForwarded=" + this.removeForwarded + ", normalizeTransferEncoding="
				+ this.normalizeTransferEncoding + "]";
	}

}
