package io.restygateway.edge;

/**
 * How many bytes of a body may still pass: a body that has no length up front (chunked, HTTP/2 DATA frames) is
 * counted as it is read, and the first piece that takes it over the limit is refused. Not thread-safe: one body is
 * read by one subscriber, in order.
 */
final class ByteBudget {

	private final long max;

	private long seen;

	/**
	 * @param max the most bytes the body may have, at least 1
	 */
	ByteBudget(long max) {
		if (max < 1) {
			throw new IllegalArgumentException("max must be at least 1 byte, was " + max);
		}
		this.max = max;
	}

	/**
	 * @param bytes the size of the next piece
	 * @return whether the body, with this piece, is still within the limit
	 */
	boolean take(int bytes) {
		if (bytes < 0) {
			throw new IllegalArgumentException("a piece cannot have " + bytes + " bytes");
		}
		this.seen += bytes;
		return this.seen <= this.max;
	}

	/** @return the bytes counted so far, the refused piece included */
	long seen() {
		return this.seen;
	}

}
