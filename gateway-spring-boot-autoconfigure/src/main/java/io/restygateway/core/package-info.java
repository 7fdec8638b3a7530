/**
 * What every feature stands on: the starter's own environment defaults, the mapping of optional dependencies
 * to degraded health, and the start-up report.
 */
@NullMarked
package io.restygateway.core;

import org.jspecify.annotations.NullMarked;
