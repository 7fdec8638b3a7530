/**
 * Slice: large upstream objects fetched in aligned range slices (nginx's slice module), and the client's ranges and
 * conditions answered from them by RFC 9110, If-Range included (nginx trac #1357 not repeated). The rules
 * ({@link io.restygateway.slice.RangeSet}, {@link io.restygateway.slice.Preconditions},
 * {@link io.restygateway.slice.SlicePlan}) are plain Java, tested without Spring.
 */
@NullMarked
package io.restygateway.slice;

import org.jspecify.annotations.NullMarked;
