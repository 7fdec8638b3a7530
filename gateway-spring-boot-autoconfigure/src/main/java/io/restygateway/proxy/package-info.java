/**
 * The lean proxy path: a plain HTTP route is looked up and forwarded without Spring WebFlux's dispatcher and
 * Spring Cloud Gateway's global filter chain, keeping every contract of theirs (predicates, attributes, timeouts,
 * header rules); any route or request the lean path cannot serve exactly as Spring Cloud Gateway would goes the
 * usual way.
 */
@NullMarked
package io.restygateway.proxy;

import org.jspecify.annotations.NullMarked;
