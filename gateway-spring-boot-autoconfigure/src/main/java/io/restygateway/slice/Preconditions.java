package io.restygateway.slice;

import java.time.Instant;
import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * RFC 9110 §13.2.2: the conditional headers of a GET or HEAD, evaluated in their order against a representation's
 * validators, before any range.
 * <ol>
 * <li>{@code If-Match} (strong comparison) fails → 412; without it, {@code If-Unmodified-Since} fails → 412, and it
 * is ignored when there is no Last-Modified (§13.1.4; nginx answered 412, its #1131);</li>
 * <li>{@code If-None-Match} (weak comparison) matches → 304; without it, {@code If-Modified-Since} not modified →
 * 304;</li>
 * <li>then, for a Range, {@code If-Range} (§13.1.5): true only for a strong ETag equal to the current one, or a date
 * equal to Last-Modified exactly; a weak ETag never; when false, the Range is ignored and the whole representation is
 * sent as 200, never 206, 412 or 416.</li>
 * </ol>
 */
public final class Preconditions {

	/** The outcome of the conditions that come before ranges. */
	public enum Outcome {

		/** Go on: send the representation (whole or ranges). */
		PROCEED,
		/** 304 Not Modified. */
		NOT_MODIFIED,
		/** 412 Precondition Failed. */
		PRECONDITION_FAILED

	}

	private Preconditions() {
	}

	/**
	 * @param ifMatch the If-Match header, or null
	 * @param ifUnmodifiedSince If-Unmodified-Since, or null
	 * @param ifNoneMatch If-None-Match, or null
	 * @param ifModifiedSince If-Modified-Since, or null
	 * @param current the representation's validators
	 * @return what to answer
	 */
	public static Outcome evaluate(@Nullable String ifMatch, @Nullable String ifUnmodifiedSince,
			@Nullable String ifNoneMatch, @Nullable String ifModifiedSince, Validators current) {
		if (ifMatch != null) {
			if (!anyMatches(ifMatch, current.etag(), true)) {
				return Outcome.PRECONDITION_FAILED;
			}
		}
		else if (ifUnmodifiedSince != null && current.lastModified() != null) {
			Instant since = Validators.parseDate(ifUnmodifiedSince);
			if (since != null && current.lastModified().isAfter(since)) {
				return Outcome.PRECONDITION_FAILED;
			}
		}
		if (ifNoneMatch != null) {
			if (anyMatches(ifNoneMatch, current.etag(), false)) {
				return Outcome.NOT_MODIFIED;
			}
		}
		else if (ifModifiedSince != null && current.lastModified() != null) {
			Instant since = Validators.parseDate(ifModifiedSince);
			if (since != null && !current.lastModified().isAfter(since)) {
				return Outcome.NOT_MODIFIED;
			}
		}
		return Outcome.PROCEED;
	}

	private static boolean anyMatches(String header, @Nullable String etag, boolean strong) {
		List<String> tags = Validators.tags(header);
		if (tags.equals(List.of("*"))) {
			// "*" matches any current representation: there always is one when this is evaluated.
			return true;
		}
		for (String tag : tags) {
			if (strong ? Validators.strongMatch(tag, etag) : Validators.weakMatch(tag, etag)) {
				return true;
			}
		}
		return false;
	}

	/**
	 * @param ifRange the If-Range header, or null
	 * @param current the representation's validators
	 * @return whether a Range is to be honoured: true without If-Range, else the If-Range comparison
	 */
	public static boolean rangeApplies(@Nullable String ifRange, Validators current) {
		if (ifRange == null) {
			return true;
		}
		String value = ifRange.trim();
		if (value.startsWith("\"") || value.startsWith("W/")) {
			return Validators.strongMatch(value, current.etag());
		}
		Instant date = Validators.parseDate(value);
		return date != null && date.equals(current.lastModified());
	}

}
