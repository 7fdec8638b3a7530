package io.restygateway.upstream;

import java.util.BitSet;
import java.util.List;

/**
 * A set of HTTP status codes written as codes and ranges: {@code [200-399]}, {@code [500, 502, 503]}.
 */
public final class StatusCodes {

	private final BitSet codes;

	private final String text;

	private StatusCodes(BitSet codes, String text) {
		this.codes = codes;
		this.text = text;
	}

	/**
	 * @param items codes ({@code 502}) and ranges ({@code 200-399}), each from 100 to 599
	 * @return the set
	 * @throws IllegalArgumentException naming the item that is not a code or a range
	 */
	public static StatusCodes parse(List<String> items) {
		BitSet codes = new BitSet(600);
		for (String raw : items) {
			String item = raw.trim();
			int dash = item.indexOf('-');
			try {
				int from = Integer.parseInt((dash < 0 ? item : item.substring(0, dash)).trim());
				int to = dash < 0 ? from : Integer.parseInt(item.substring(dash + 1).trim());
				if (from < 100 || to > 599 || from > to) {
					throw new IllegalArgumentException("'" + item + "' is not a status code or range within 100-599");
				}
				codes.set(from, to + 1);
			}
			catch (NumberFormatException ex) {
				throw new IllegalArgumentException("'" + item + "' is not a status code (502) or range (200-399)");
			}
		}
		return new StatusCodes(codes, String.join(", ", items.stream().map(String::trim).toList()));
	}

	/**
	 * @param status an HTTP status code
	 * @return whether it is in the set
	 */
	public boolean contains(int status) {
		return status >= 0 && this.codes.get(status);
	}

	/** @return whether the set is empty */
	public boolean isEmpty() {
		return this.codes.isEmpty();
	}

	@Override
	public String toString() {
		return "[" + this.text + "]";
	}

}
