/**
 * The runnable gateway's entry point.
 */
@NullMarked
package io.restygateway.app;

import org.jspecify.annotations.NullMarked;
