package io.restygateway.ratelimit;

/**
 * A rate-limit filter's arguments that cannot be used, with the argument at fault: {@code rate: '10 per second' is
 * not a rate: write it as Nr/s or Nr/m, e.g. 10r/s}.
 */
public class InvalidRateLimitException extends IllegalArgumentException {

	private final String field;

	private final String problem;

	/**
	 * @param field the argument at fault, as written in YAML (e.g. {@code max-wait})
	 * @param problem what is wrong with it
	 */
	public InvalidRateLimitException(String field, String problem) {
		super(field + ": " + problem);
		this.field = field;
		this.problem = problem;
	}

	/** @return the argument at fault */
	public String field() {
		return this.field;
	}

	/** @return what is wrong with it, without its name */
	public String problem() {
		return this.problem;
	}

}
