package io.restygateway.config;

/**
 * A configuration document (a route or an upstream as JSON) that cannot be used, with the field at fault relative
 * to the document: {@code filters[1].args.parts: must be a number}, {@code body: not valid JSON ...}.
 */
public class InvalidDocumentException extends IllegalArgumentException {

	private static final long serialVersionUID = 1L;

	private final String field;

	private final String problem;

	/**
	 * @param field the path of the field at fault, {@code body} for the document as a whole
	 * @param problem what is wrong with it
	 */
	public InvalidDocumentException(String field, String problem) {
		super(field + ": " + problem);
		this.field = field;
		this.problem = problem;
	}

	/**
	 * @param field the path of the field at fault
	 * @param problem what is wrong with it
	 * @param cause the failure that showed it
	 */
	public InvalidDocumentException(String field, String problem, Throwable cause) {
		super(field + ": " + problem, cause);
		this.field = field;
		this.problem = problem;
	}

	/** @return the path of the field at fault */
	public String field() {
		return this.field;
	}

	/** @return what is wrong with the field, without its name */
	public String problem() {
		return this.problem;
	}

}
