package io.restygateway.demo;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;

import org.jspecify.annotations.Nullable;

/**
 * The demo's large file: deterministic bytes with a strong ETag and a Last-Modified date, answered the way a plain
 * origin server (nginx's static module) answers: conditional requests, and one byte range at a time.
 *
 * <p>Several ranges in one request are answered with the whole file (200), which RFC 9110 allows a server to do;
 * a Range header that does not parse is ignored, as the RFC asks.
 */
final class DemoFile {

	private static final DateTimeFormatter HTTP_DATE = DateTimeFormatter.RFC_1123_DATE_TIME;

	private final byte[] content;

	private final String etag;

	private final Instant lastModified;

	DemoFile(int size, Instant lastModified) {
		this.content = new byte[size];
		// xorshift: cheap, deterministic, and not compressible, like a real media file.
		long x = 0x9E3779B97F4A7C15L;
		for (int i = 0; i < size; i++) {
			x ^= x << 13;
			x ^= x >>> 7;
			x ^= x << 17;
			this.content[i] = (byte) x;
		}
		this.lastModified = lastModified.truncatedTo(ChronoUnit.SECONDS);
		this.etag = "\"demo-" + Integer.toHexString(size) + "-" + Long.toHexString(this.lastModified.getEpochSecond())
				+ "\"";
	}

	byte[] content() {
		return this.content;
	}

	String etag() {
		return this.etag;
	}

	String lastModified() {
		return HTTP_DATE.format(ZonedDateTime.ofInstant(this.lastModified, ZoneOffset.UTC));
	}

	/**
	 * What to answer to a GET or HEAD.
	 * @param ifNoneMatch the If-None-Match header, or null
	 * @param ifRange the If-Range header, or null
	 * @param range the Range header, or null
	 * @return the answer's status and byte span
	 */
	Answer answer(@Nullable String ifNoneMatch, @Nullable String ifRange, @Nullable String range) {
		int length = this.content.length;
		if (ifNoneMatch != null && matchesWeakly(ifNoneMatch)) {
			return new Answer(304, 0, 0);
		}
		if (range == null || (ifRange != null && !ifRangeHolds(ifRange))) {
			return new Answer(200, 0, length);
		}
		String spec = range.trim();
		if (!spec.regionMatches(true, 0, "bytes=", 0, 6) || spec.indexOf(',') >= 0) {
			return new Answer(200, 0, length);
		}
		spec = spec.substring(6).trim();
		int dash = spec.indexOf('-');
		if (dash < 0) {
			return new Answer(200, 0, length);
		}
		try {
			String first = spec.substring(0, dash).trim();
			String last = spec.substring(dash + 1).trim();
			long start;
			long end;
			if (first.isEmpty()) {
				long suffix = Long.parseLong(last);
				if (suffix <= 0) {
					return new Answer(416, 0, 0);
				}
				start = Math.max(0, length - suffix);
				end = length - 1;
			}
			else {
				start = Long.parseLong(first);
				end = last.isEmpty() ? length - 1 : Math.min(Long.parseLong(last), length - 1);
				if (end < start && !last.isEmpty()) {
					return new Answer(200, 0, length);
				}
			}
			if (start >= length || start < 0) {
				return new Answer(416, 0, 0);
			}
			return new Answer(206, (int) start, (int) (end - start + 1));
		}
		catch (NumberFormatException ex) {
			return new Answer(200, 0, length);
		}
	}

	private boolean matchesWeakly(String ifNoneMatch) {
		if (ifNoneMatch.trim().equals("*")) {
			return true;
		}
		for (String tag : ifNoneMatch.split(",")) {
			String candidate = tag.trim();
			if (candidate.startsWith("W/")) {
				candidate = candidate.substring(2);
			}
			if (candidate.equals(this.etag)) {
				return true;
			}
		}
		return false;
	}

	// RFC 9110 13.1.5: a strong ETag that matches, or an HTTP date equal to Last-Modified; weak tags never match.
	private boolean ifRangeHolds(String ifRange) {
		String value = ifRange.trim();
		if (value.startsWith("\"")) {
			return value.equals(this.etag);
		}
		if (value.startsWith("W/")) {
			return false;
		}
		try {
			return ZonedDateTime.parse(value, HTTP_DATE).toInstant().equals(this.lastModified);
		}
		catch (DateTimeParseException ex) {
			return false;
		}
	}

	/**
	 * @param status 200, 206, 304 or 416
	 * @param offset the first byte sent
	 * @param length how many bytes are sent
	 */
	record Answer(int status, int offset, int length) {
	}

}
