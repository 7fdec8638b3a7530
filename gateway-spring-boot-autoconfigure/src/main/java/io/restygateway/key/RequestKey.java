package io.restygateway.key;

import java.util.Locale;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * One request key: where in a request a value comes from. Written as {@code ip}, {@code uri}, {@code path},
 * {@code route}, {@code header:NAME}, {@code cookie:NAME} or {@code query:NAME}.
 */
public final class RequestKey {

	/** Where the value comes from. */
	public enum Source {

		/** The client's address. */
		IP("ip"),
		/** The path and query string. */
		URI("uri"),
		/** The path alone. */
		PATH("path"),
		/** The matched route's id. */
		ROUTE("route"),
		/** A request header. */
		HEADER("header"),
		/** A cookie. */
		COOKIE("cookie"),
		/** A query parameter. */
		QUERY("query");

		private final String word;

		Source(String word) {
			this.word = word;
		}

		boolean named() {
			return this == HEADER || this == COOKIE || this == QUERY;
		}

	}

	static final String SYNTAX = "ip, uri, path, route, header:NAME, cookie:NAME or query:NAME";

	private final Source source;

	private final @Nullable String name;

	private RequestKey(Source source, @Nullable String name) {
		this.source = source;
		this.name = name;
	}

	/**
	 * Parse one key.
	 * @param text e.g. {@code header:X-User-Id}
	 * @return the key
	 * @throws IllegalArgumentException naming what is wrong, when the text is not a key
	 */
	public static RequestKey parse(String text) {
		String spec = text.trim();
		int colon = spec.indexOf(':');
		String word = (colon < 0 ? spec : spec.substring(0, colon)).trim().toLowerCase(Locale.ROOT);
		for (Source source : Source.values()) {
			if (!source.word.equals(word)) {
				continue;
			}
			if (!source.named()) {
				if (colon >= 0) {
					throw new IllegalArgumentException("'" + text + "': " + word + " takes no name");
				}
				return new RequestKey(source, null);
			}
			String name = colon < 0 ? "" : spec.substring(colon + 1).trim();
			if (name.isEmpty()) {
				throw new IllegalArgumentException("'" + text + "': " + word + " needs a name, as in " + word + ":NAME");
			}
			return new RequestKey(source, name);
		}
		throw new IllegalArgumentException("'" + text + "' is not a request key: use " + SYNTAX);
	}

	/** @return where the value comes from */
	public Source source() {
		return this.source;
	}

	/** @return the header, cookie or query parameter name, or null for the others */
	public @Nullable String name() {
		return this.name;
	}

	/**
	 * @param request the request
	 * @return the key's value in that request, or null when it has none (an absent or empty header, say)
	 */
	public @Nullable String resolve(RequestView request) {
		String value = switch (this.source) {
			case IP -> request.clientAddress();
			case URI -> request.uri();
			case PATH -> request.path();
			case ROUTE -> request.routeId();
			case HEADER -> request.header(Objects.requireNonNull(this.name));
			case COOKIE -> request.cookie(Objects.requireNonNull(this.name));
			case QUERY -> request.query(Objects.requireNonNull(this.name));
		};
		return value == null || value.isEmpty() ? null : value;
	}

	@Override
	public boolean equals(@Nullable Object other) {
		return other instanceof RequestKey key && key.source == this.source && Objects.equals(key.name, this.name);
	}

	@Override
	public int hashCode() {
		return Objects.hash(this.source, this.name);
	}

	@Override
	public String toString() {
		return this.name == null ? this.source.word : this.source.word + ":" + this.name;
	}

}
