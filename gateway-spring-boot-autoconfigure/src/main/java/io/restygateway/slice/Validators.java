package io.restygateway.slice;

import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * A representation's validators, {@code ETag} and {@code Last-Modified}, and the comparisons RFC 9110 §8.8 defines
 * on them.
 *
 * @param etag the entity tag as sent, e.g. {@code "abc"} or {@code W/"abc"}, or null
 * @param lastModified the modification date, to the second, or null
 */
public record Validators(@Nullable String etag, @Nullable Instant lastModified) {

	/**
	 * @param value an HTTP date
	 * @return the instant, or null when the value is not an IMF-fixdate (an invalid date is ignored, RFC 9110 §13.1)
	 */
	public static @Nullable Instant parseDate(@Nullable String value) {
		if (value == null) {
			return null;
		}
		try {
			return ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
		}
		catch (DateTimeParseException ex) {
			return null;
		}
	}

	/**
	 * @param tag an entity tag
	 * @return whether it is weak
	 */
	public static boolean weak(String tag) {
		return tag.startsWith("W/");
	}

	private static String opaque(String tag) {
		return weak(tag) ? tag.substring(2) : tag;
	}

	/**
	 * Strong comparison: both strong and the same characters.
	 * @param a an entity tag
	 * @param b another
	 * @return whether they match strongly
	 */
	public static boolean strongMatch(@Nullable String a, @Nullable String b) {
		return a != null && b != null && !weak(a) && !weak(b) && a.equals(b);
	}

	/**
	 * Weak comparison: the same opaque tag, weak or not.
	 * @param a an entity tag
	 * @param b another
	 * @return whether they match weakly
	 */
	public static boolean weakMatch(@Nullable String a, @Nullable String b) {
		return a != null && b != null && opaque(a).equals(opaque(b));
	}

	/**
	 * @param header an {@code If-Match} or {@code If-None-Match} value: {@code *} or a list of entity tags
	 * @return the tags, or a list holding {@code *}; malformed members are skipped
	 */
	static List<String> tags(String header) {
		List<String> tags = new ArrayList<>();
		String value = header.trim();
		if (value.equals("*")) {
			return List.of("*");
		}
		int i = 0;
		while (i < value.length()) {
			char c = value.charAt(i);
			if (c == ',' || c == ' ' || c == '\t') {
				i++;
				continue;
			}
			int start = i;
			if (value.startsWith("W/", i)) {
				i += 2;
			}
			if (i >= value.length() || value.charAt(i) != '"') {
				// Not an entity tag: skip to the next comma.
				int comma = value.indexOf(',', i);
				i = comma < 0 ? value.length() : comma + 1;
				continue;
			}
			int close = value.indexOf('"', i + 1);
			if (close < 0) {
				break;
			}
			tags.add(value.substring(start, close + 1));
			i = close + 1;
		}
		return tags;
	}

}
