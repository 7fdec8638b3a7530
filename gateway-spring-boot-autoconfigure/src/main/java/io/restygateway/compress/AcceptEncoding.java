package io.restygateway.compress;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.jspecify.annotations.Nullable;

/**
 * A request's {@code Accept-Encoding}, with its quality values (RFC 9110 §12.5.3): {@code zstd;q=0} refuses zstd,
 * which zstd-nginx-module gets wrong (it matches the token and ignores q). A coding not listed takes the quality of
 * {@code *} when there is one, else it is not acceptable.
 */
public final class AcceptEncoding {

	private record Entry(String coding, double quality) {
	}

	private final List<Entry> entries;

	private AcceptEncoding(List<Entry> entries) {
		this.entries = entries;
	}

	/**
	 * @param values the header's values (a header may be repeated), or none
	 * @return the parsed header; malformed members are skipped
	 */
	public static AcceptEncoding parse(@Nullable List<String> values) {
		List<Entry> entries = new ArrayList<>();
		if (values != null) {
			for (String value : values) {
				for (String member : value.split(",")) {
					Entry entry = member(member);
					if (entry != null) {
						entries.add(entry);
					}
				}
			}
		}
		return new AcceptEncoding(entries);
	}

	/**
	 * @param values header values
	 * @return the parsed header
	 */
	public static AcceptEncoding parse(String... values) {
		return parse(List.of(values));
	}

	private static @Nullable Entry member(String member) {
		String[] parts = member.split(";");
		String coding = parts[0].trim().toLowerCase(Locale.ROOT);
		if (coding.isEmpty()) {
			return null;
		}
		double quality = 1.0;
		for (int i = 1; i < parts.length; i++) {
			String parameter = parts[i].trim();
			int equals = parameter.indexOf('=');
			if (equals > 0 && parameter.substring(0, equals).trim().equalsIgnoreCase("q")) {
				try {
					quality = Double.parseDouble(parameter.substring(equals + 1).trim());
				}
				catch (NumberFormatException ex) {
					return null;
				}
				if (quality < 0 || quality > 1 || Double.isNaN(quality)) {
					return null;
				}
			}
		}
		return new Entry(coding, quality);
	}

	/**
	 * @param coding a content coding, e.g. {@code zstd}
	 * @return its quality: the coding's own, else that of {@code *}, else 0
	 */
	public double quality(String coding) {
		String wanted = coding.toLowerCase(Locale.ROOT);
		Double star = null;
		for (Entry entry : this.entries) {
			if (entry.coding().equals(wanted)) {
				return entry.quality();
			}
			if (entry.coding().equals("*")) {
				star = entry.quality();
			}
		}
		return star == null ? 0 : star;
	}

	/**
	 * @param coding a content coding
	 * @return whether the client accepts it (quality above 0)
	 */
	public boolean accepts(String coding) {
		return quality(coding) > 0;
	}

}
