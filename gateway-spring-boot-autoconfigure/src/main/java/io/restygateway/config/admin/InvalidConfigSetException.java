package io.restygateway.config.admin;

import java.util.List;

/**
 * A set of routes and upstreams that cannot be staged, with every problem found: each names the key
 * ({@code routes/shop}, {@code upstreams/pool}, or {@code body} for the set as a whole) and the field at fault in
 * that document.
 */
public class InvalidConfigSetException extends IllegalArgumentException {

	private static final long serialVersionUID = 1L;

	/**
	 * One problem.
	 * @param key the key of the document at fault, {@code routes/<id>} or {@code upstreams/<name>}, or {@code body}
	 * @param field the field at fault in it, {@code body} for the whole document
	 * @param problem what is wrong
	 */
	public record Problem(String key, String field, String problem) {

		/** @return {@code key: field: problem} */
		public String message() {
			return this.key + ": " + this.field + ": " + this.problem;
		}

	}

	private final transient List<Problem> problems;

	/**
	 * @param problems at least one problem
	 */
	public InvalidConfigSetException(List<Problem> problems) {
		super(problems.get(0).message() + (problems.size() > 1 ? " (and " + (problems.size() - 1) + " more)" : ""));
		this.problems = List.copyOf(problems);
	}

	/** @return every problem found, the first one first */
	public List<Problem> problems() {
		return this.problems;
	}

}
