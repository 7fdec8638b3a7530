package io.restygateway.upstream;

/**
 * An upstream definition that cannot be used, with the field at fault: {@code levels[0].servers[1].port: must be
 * between 1 and 65535, was 0}.
 */
public class InvalidUpstreamException extends IllegalArgumentException {

	private final String field;

	private final String problem;

	/**
	 * @param field the path of the field at fault, relative to the upstream (e.g. {@code levels[0].servers})
	 * @param problem what is wrong with it
	 */
	public InvalidUpstreamException(String field, String problem) {
		super(field + ": " + problem);
		this.field = field;
		this.problem = problem;
	}

	/** @return what is wrong with the field, without its name */
	public String problem() {
		return this.problem;
	}

	/** @return the path of the field at fault */
	public String field() {
		return this.field;
	}

}
