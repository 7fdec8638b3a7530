package io.restygateway.slice;

/**
 * A satisfiable byte range of a representation: {@code first} to {@code last}, both inclusive.
 *
 * @param first the first byte's position
 * @param last the last byte's position, at least {@code first}
 */
public record ByteRange(long first, long last) {

	public ByteRange {
		if (first < 0 || last < first) {
			throw new IllegalArgumentException("not a byte range: " + first + "-" + last);
		}
	}

	/** @return how many bytes it holds */
	public long length() {
		return this.last - this.first + 1;
	}

	/**
	 * @param total the representation's length
	 * @return the {@code Content-Range} value, e.g. {@code bytes 3-4/16}
	 */
	public String contentRange(long total) {
		return "bytes " + this.first + "-" + this.last + "/" + total;
	}

}
