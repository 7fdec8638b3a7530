package io.restygateway.core;

/**
 * One line of the start-up report: a feature says whether it is active and how it is set up, e.g. which
 * rate-limit store it uses. Declare a bean of this type; the report prints the lines in bean order.
 */
@FunctionalInterface
public interface RestyFeatureReport {

	/**
	 * @return one short line, starting with the feature's name, e.g. {@code "demo: 5 routes under /demo/"}
	 */
	String line();

}
