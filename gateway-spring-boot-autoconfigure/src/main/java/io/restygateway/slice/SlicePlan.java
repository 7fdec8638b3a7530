package io.restygateway.slice;

import org.jspecify.annotations.Nullable;

/**
 * Aligned slices of one size, as nginx's slice module cuts them: slice {@code i} is asked for with
 * {@code Range: bytes=i·size-(i+1)·size−1} and covers {@code [i·size, min((i+1)·size, total) − 1]}.
 *
 * @param size the slice size in bytes, at least 1
 */
public record SlicePlan(long size) {

	public SlicePlan {
		if (size < 1) {
			throw new IllegalArgumentException("the slice size must be at least 1 byte, was " + size);
		}
	}

	/**
	 * @param position a byte position
	 * @return the index of the slice that holds it
	 */
	public long index(long position) {
		return position / this.size;
	}

	/**
	 * @param index a slice index
	 * @return the Range header that asks for it, e.g. {@code bytes=1048576-2097151}
	 */
	public String rangeHeader(long index) {
		long start = Math.multiplyExact(index, this.size);
		return "bytes=" + start + "-" + (start + this.size - 1);
	}

	/**
	 * @param index a slice index
	 * @param total the object's length
	 * @return the bytes the slice covers, clipped at the end of the object
	 */
	public ByteRange covers(long index, long total) {
		long start = Math.multiplyExact(index, this.size);
		return new ByteRange(start, Math.min(start + this.size, total) - 1);
	}

	/**
	 * @param total the object's length
	 * @return how many slices it has (0 for an empty object)
	 */
	public long count(long total) {
		return (total + this.size - 1) / this.size;
	}

	/**
	 * What an upstream answer to a slice request must be: 206, a {@code Content-Range} of exactly the slice and a
	 * known total (the same as the first slice's), and the same validator as the first slice. Anything else is a
	 * fault, and the response is aborted rather than patched.
	 * @param index the slice asked for
	 * @param status the answer's status
	 * @param contentRange its Content-Range, or null
	 * @param validator its validator (ETag, else Last-Modified), or null
	 * @param first what the first slice said: its total and validator; null when this is the first slice
	 * @return null when the answer is good, else what is wrong with it
	 */
	public @Nullable String fault(long index, int status, @Nullable String contentRange, @Nullable String validator,
			@Nullable SliceHead first) {
		if (status != 206) {
			return "slice " + index + ": the upstream answered " + status + " instead of 206";
		}
		ContentRange range = ContentRange.parse(contentRange);
		if (range == null) {
			return "slice " + index + ": Content-Range '" + contentRange + "' is not bytes FIRST-LAST/TOTAL";
		}
		if (first != null && range.total() != first.total()) {
			return "slice " + index + ": the total changed from " + first.total() + " to " + range.total();
		}
		long start = Math.multiplyExact(index, this.size);
		if (start >= range.total()) {
			return "slice " + index + ": it starts past the end of an object of " + range.total() + " bytes";
		}
		ByteRange expected = covers(index, range.total());
		if (!expected.equals(range.range())) {
			return "slice " + index + ": Content-Range " + range.range().first() + "-" + range.range().last()
					+ " where " + expected.first() + "-" + expected.last() + " was asked for";
		}
		if (first != null && !java.util.Objects.equals(first.validator(), validator)) {
			return "slice " + index + ": validator " + validator + " differs from the first slice's "
					+ first.validator();
		}
		return null;
	}

	/**
	 * What the first slice told about the object.
	 * @param total its length
	 * @param validator its validator (ETag, else Last-Modified), or null when it has none
	 */
	public record SliceHead(long total, @Nullable String validator) {
	}

	/**
	 * A {@code Content-Range: bytes FIRST-LAST/TOTAL} with a known total.
	 * @param range the bytes
	 * @param total the object's length
	 */
	public record ContentRange(ByteRange range, long total) {

		/**
		 * @param header the header's value
		 * @return it, or null when it is missing, of another unit, with an unknown total ({@code *}) or inconsistent
		 */
		public static @Nullable ContentRange parse(@Nullable String header) {
			if (header == null) {
				return null;
			}
			String value = header.trim();
			if (!value.regionMatches(true, 0, "bytes ", 0, 6)) {
				return null;
			}
			String rest = value.substring(6).trim();
			int dash = rest.indexOf('-');
			int slash = rest.indexOf('/');
			if (dash <= 0 || slash <= dash) {
				return null;
			}
			try {
				long first = Long.parseLong(rest.substring(0, dash).trim());
				long last = Long.parseLong(rest.substring(dash + 1, slash).trim());
				long total = Long.parseLong(rest.substring(slash + 1).trim());
				if (first < 0 || last < first || last >= total) {
					return null;
				}
				return new ContentRange(new ByteRange(first, last), total);
			}
			catch (NumberFormatException ex) {
				return null;
			}
		}

	}

}
