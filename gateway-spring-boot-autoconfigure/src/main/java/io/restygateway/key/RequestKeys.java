package io.restygateway.key;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

import org.jspecify.annotations.Nullable;

/**
 * A list of request keys tried in turn: the first that has a value in the request gives the key (a fallback when a
 * header or cookie is absent, as Kong's hash fallback).
 */
public final class RequestKeys {

	private final List<RequestKey> keys;

	private RequestKeys(List<RequestKey> keys) {
		this.keys = List.copyOf(keys);
	}

	/**
	 * @param specs the keys, in order; each may itself be a comma-separated list
	 * @return the keys
	 * @throws IllegalArgumentException when the list is empty or a key does not parse
	 */
	public static RequestKeys parse(List<String> specs) {
		List<RequestKey> keys = new ArrayList<>();
		for (String spec : specs) {
			for (String part : spec.split(",")) {
				if (!part.isBlank()) {
					keys.add(RequestKey.parse(part));
				}
			}
		}
		if (keys.isEmpty()) {
			throw new IllegalArgumentException("no request key given: use " + RequestKey.SYNTAX);
		}
		return new RequestKeys(keys);
	}

	/**
	 * @param specs the keys, in order
	 * @return the keys
	 */
	public static RequestKeys parse(String... specs) {
		return parse(Arrays.asList(specs));
	}

	/** @return the keys, in the order they are tried */
	public List<RequestKey> keys() {
		return this.keys;
	}

	/**
	 * @param request the request
	 * @return the value of the first key that has one, or null when none has
	 */
	public @Nullable String resolve(RequestView request) {
		for (RequestKey key : this.keys) {
			String value = key.resolve(request);
			if (value != null) {
				return value;
			}
		}
		return null;
	}

	@Override
	public boolean equals(@Nullable Object other) {
		return other instanceof RequestKeys that && that.keys.equals(this.keys);
	}

	@Override
	public int hashCode() {
		return this.keys.hashCode();
	}

	@Override
	public String toString() {
		return this.keys.stream().map(RequestKey::toString).collect(Collectors.joining(", "));
	}

}
