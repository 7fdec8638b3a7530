package io.restygateway.slice;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.jspecify.annotations.Nullable;

/**
 * A {@code Range} header, read by RFC 9110 §14: {@code bytes=} followed by ranges ({@code 5-9}, open {@code 5-},
 * suffix {@code -10}), resolved against a representation's length.
 * <ul>
 * <li>another unit ({@code items=0-5}) is ignored: the whole representation is sent (§14.2, MUST);</li>
 * <li>a syntax error, or a range whose last is before its first ({@code 5-2}), makes the header invalid: 416, as nginx
 * and Spring answer;</li>
 * <li>ranges that start at or past the end are dropped; when none is left the set is unsatisfiable: 416 with
 * {@code Content-Range: bytes *&#47;length}; a last position past the end is clipped; a suffix longer than the
 * representation is all of it; {@code -0} is unsatisfiable;</li>
 * <li>more than {@link #MAX_RANGES} ranges, or ranges that add up to more than the representation (the overlapping
 * floods that RFC 9110 §14.2 lets a server refuse, nginx's {@code max_ranges}), are ignored: the whole representation
 * is sent.</li>
 * </ul>
 */
public final class RangeSet {

	/** The most ranges served in one request, as Spring's {@code HttpRange} allows. */
	public static final int MAX_RANGES = 100;

	/** What to answer. */
	public enum Kind {

		/** No usable Range: the whole representation, 200. */
		WHOLE,
		/** The satisfiable ranges, 206 (one range plain, several as multipart/byteranges). */
		PARTIAL,
		/** 416 with {@code Content-Range: bytes *&#47;length}. */
		UNSATISFIABLE

	}

	private interface Spec {

		@Nullable ByteRange resolve(long length);

	}

	private record FirstLast(long first, long last) implements Spec {

		@Override
		public @Nullable ByteRange resolve(long length) {
			if (this.first >= length) {
				return null;
			}
			return new ByteRange(this.first, Math.min(this.last, length - 1));
		}

	}

	private record Suffix(long count) implements Spec {

		@Override
		public @Nullable ByteRange resolve(long length) {
			if (this.count == 0 || length == 0) {
				return null;
			}
			return new ByteRange(Math.max(0, length - this.count), length - 1);
		}

	}

	private final Kind parsed;

	private final List<Spec> specs;

	private RangeSet(Kind parsed, List<Spec> specs) {
		this.parsed = parsed;
		this.specs = specs;
	}

	/**
	 * @param header the {@code Range} header's value, or null when there is none
	 * @return the parsed header
	 */
	public static RangeSet parse(@Nullable String header) {
		if (header == null || header.isBlank()) {
			return new RangeSet(Kind.WHOLE, List.of());
		}
		String value = header.trim();
		int equals = value.indexOf('=');
		if (equals < 0) {
			return invalid();
		}
		if (!value.substring(0, equals).trim().toLowerCase(Locale.ROOT).equals("bytes")) {
			return new RangeSet(Kind.WHOLE, List.of());
		}
		List<Spec> specs = new ArrayList<>();
		for (String part : value.substring(equals + 1).split(",", -1)) {
			String range = part.trim();
			if (range.isEmpty()) {
				// RFC 9110 allows empty list elements; they say nothing.
				continue;
			}
			int dash = range.indexOf('-');
			if (dash < 0) {
				return invalid();
			}
			String first = range.substring(0, dash).trim();
			String last = range.substring(dash + 1).trim();
			if (!digits(first) && !first.isEmpty() || !digits(last) && !last.isEmpty()
					|| first.isEmpty() && last.isEmpty()) {
				return invalid();
			}
			try {
				if (first.isEmpty()) {
					specs.add(new Suffix(Long.parseLong(last)));
				}
				else {
					long from = Long.parseLong(first);
					long to = last.isEmpty() ? Long.MAX_VALUE : Long.parseLong(last);
					if (to < from) {
						return invalid();
					}
					specs.add(new FirstLast(from, to));
				}
			}
			catch (NumberFormatException ex) {
				// Longer than a long: no representation is that long, so it starts past any end.
				if (first.isEmpty()) {
					specs.add(new Suffix(Long.MAX_VALUE));
				}
				else if (!last.isEmpty() && new java.math.BigInteger(last).compareTo(new java.math.BigInteger(first)) < 0) {
					return invalid();
				}
				else {
					specs.add(new FirstLast(Long.MAX_VALUE, Long.MAX_VALUE));
				}
			}
		}
		if (specs.isEmpty()) {
			return invalid();
		}
		return new RangeSet(Kind.PARTIAL, specs);
	}

	private static RangeSet invalid() {
		return new RangeSet(Kind.UNSATISFIABLE, List.of());
	}

	private static boolean digits(String text) {
		return !text.isEmpty() && text.chars().allMatch(c -> c >= '0' && c <= '9');
	}

	/**
	 * @return the first position of the one range asked for, when it is a single {@code FIRST-} or
	 * {@code FIRST-LAST} range; -1 otherwise (no range, several, a suffix, or an invalid header)
	 */
	public long singleStart() {
		return this.parsed == Kind.PARTIAL && this.specs.size() == 1 && this.specs.get(0) instanceof FirstLast only
				? only.first() : -1;
	}

	/** @return whether the request asked for ranges at all (in bytes, valid or not) */
	public boolean present() {
		return this.parsed != Kind.WHOLE;
	}

	/**
	 * Resolve against a representation.
	 * @param length its length
	 * @return what to answer and, for {@link Kind#PARTIAL}, the ranges in the order asked
	 */
	public Resolved resolve(long length) {
		if (this.parsed != Kind.PARTIAL) {
			return new Resolved(this.parsed, List.of());
		}
		if (this.specs.size() > MAX_RANGES) {
			return new Resolved(Kind.WHOLE, List.of());
		}
		List<ByteRange> ranges = new ArrayList<>();
		long sum = 0;
		for (Spec spec : this.specs) {
			ByteRange range = spec.resolve(length);
			if (range != null) {
				ranges.add(range);
				sum += range.length();
			}
		}
		if (ranges.isEmpty()) {
			return new Resolved(Kind.UNSATISFIABLE, List.of());
		}
		if (ranges.size() > 1 && sum > length) {
			return new Resolved(Kind.WHOLE, List.of());
		}
		return new Resolved(Kind.PARTIAL, List.copyOf(ranges));
	}

	/**
	 * What a Range header comes to for one representation.
	 * @param kind whole, partial or unsatisfiable
	 * @param ranges the ranges to send, in the order asked (empty unless partial)
	 */
	public record Resolved(Kind kind, List<ByteRange> ranges) {
	}

}
