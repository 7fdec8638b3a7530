package io.restygateway.ratelimit;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A request rate written as nginx writes it: {@code 10r/s}, {@code 30r/m}, and fractions such as {@code 0.5r/s}.
 *
 * @param requests how many requests
 * @param perSeconds in how many seconds (1 for {@code r/s}, 60 for {@code r/m})
 */
public record Rate(BigDecimal requests, int perSeconds) {

	private static final Pattern SYNTAX = Pattern.compile("\\s*(\\d+(?:\\.\\d+)?)\\s*r/([sm])\\s*");

	/**
	 * @param text e.g. {@code 10r/s}
	 * @return the rate
	 * @throws IllegalArgumentException when the text is not a positive rate
	 */
	public static Rate parse(String text) {
		Matcher matcher = SYNTAX.matcher(text.toLowerCase(Locale.ROOT));
		if (!matcher.matches()) {
			throw new IllegalArgumentException("'" + text + "' is not a rate: write it as Nr/s or Nr/m, e.g. 10r/s");
		}
		BigDecimal requests = new BigDecimal(matcher.group(1));
		if (requests.signum() <= 0) {
			throw new IllegalArgumentException("'" + text + "': the rate must be more than 0");
		}
		Rate rate = new Rate(requests, matcher.group(2).equals("s") ? 1 : 60);
		if (rate.emissionIntervalMicros() > 24L * 3600 * 1_000_000) {
			throw new IllegalArgumentException("'" + text + "': slower than one request a day is not a rate limit");
		}
		return rate;
	}

	/**
	 * The time between two requests at this rate (GCRA's T), in microseconds, rounded to the nearest and at least 1.
	 * @return T in microseconds
	 */
	public long emissionIntervalMicros() {
		return Math.max(1, BigDecimal.valueOf(this.perSeconds * 1_000_000L)
			.divide(this.requests, 0, RoundingMode.HALF_UP)
			.longValueExact());
	}

	@Override
	public String toString() {
		return this.requests.stripTrailingZeros().toPlainString() + "r/" + (this.perSeconds == 1 ? "s" : "m");
	}

}
