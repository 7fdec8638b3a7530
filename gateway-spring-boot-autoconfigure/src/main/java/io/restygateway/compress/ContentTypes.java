package io.restygateway.compress;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import org.jspecify.annotations.Nullable;

/**
 * The media types a filter applies to, as nginx's {@code zstd_types}: {@code type/subtype} names, {@code type/*},
 * or {@code *} for any (an answer without a type included); {@code text/html} is always in.
 */
public final class ContentTypes {

	private final Set<String> types;

	private final boolean any;

	private ContentTypes(Set<String> types, boolean any) {
		this.types = types;
		this.any = any;
	}

	/**
	 * @param types the listed types; each may itself be a comma list
	 * @return the set
	 * @throws IllegalArgumentException naming a type that is not {@code type/subtype}
	 */
	public static ContentTypes of(@Nullable List<String> types) {
		Set<String> set = new LinkedHashSet<>();
		set.add("text/html");
		boolean any = false;
		for (String listed : types == null ? List.<String>of() : types) {
			for (String part : listed.split(",")) {
				String type = part.trim().toLowerCase(Locale.ROOT);
				if (type.isEmpty()) {
					continue;
				}
				if (type.equals("*") || type.equals("*/*")) {
					any = true;
				}
				else if (!type.matches("[a-z0-9!#$&^_.+-]+/([a-z0-9!#$&^_.+-]+|\\*)")) {
					throw new IllegalArgumentException("'" + part.trim() + "' is not a media type: write type/subtype, "
							+ "type/* or *");
				}
				else {
					set.add(type);
				}
			}
		}
		return new ContentTypes(set, any);
	}

	/**
	 * @param contentType a Content-Type header value, or null
	 * @return whether an answer of that type is included
	 */
	public boolean matches(@Nullable String contentType) {
		if (this.any) {
			return true;
		}
		if (contentType == null) {
			return false;
		}
		int semicolon = contentType.indexOf(';');
		String type = (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim()
			.toLowerCase(Locale.ROOT);
		int slash = type.indexOf('/');
		return this.types.contains(type) || (slash > 0 && this.types.contains(type.substring(0, slash) + "/*"));
	}

	/** @return the types, as listed (text/html first), and {@code *} when any type is included */
	public List<String> listed() {
		List<String> listed = new ArrayList<>(this.types);
		if (this.any) {
			listed.add("*");
		}
		return listed;
	}

}
