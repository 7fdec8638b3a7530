/**
 * The embedded demo: small upstream servers on loopback inside the gateway's own process, and routes to them, so
 * that a newcomer can {@code curl} every feature right away. {@code resty.demo.enabled=false} turns it off.
 */
@NullMarked
package io.restygateway.demo;

import org.jspecify.annotations.NullMarked;
