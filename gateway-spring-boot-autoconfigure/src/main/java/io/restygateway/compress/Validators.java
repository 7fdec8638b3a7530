package io.restygateway.compress;

import org.jspecify.annotations.Nullable;

/**
 * What an encoded answer does to its validators: a strong ETag becomes weak ({@code "x"} → {@code W/"x"}), because
 * the bytes changed but the content did not; a weak one stays; one that is not a quoted string is removed, as
 * nginx's {@code ngx_http_weak_etag} does.
 */
public final class Validators {

	private Validators() {
	}

	/**
	 * @param etag an ETag header value, or null
	 * @return the weak form, or null to remove it
	 */
	public static @Nullable String weaken(@Nullable String etag) {
		if (etag == null) {
			return null;
		}
		String value = etag.trim();
		if (value.startsWith("W/\"") && value.endsWith("\"") && value.length() >= 4) {
			return value;
		}
		if (value.startsWith("\"") && value.endsWith("\"") && value.length() >= 2) {
			return "W/" + value;
		}
		return null;
	}

}
