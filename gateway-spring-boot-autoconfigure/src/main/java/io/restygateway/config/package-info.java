/**
 * Routes and upstreams that change at run time, from a key-value layout ({@code routes/<id>},
 * {@code upstreams/<name>}) that any live source can feed: {@link io.restygateway.config.RouteDocuments} reads and
 * checks a route the way Spring Cloud Gateway would build it, {@link io.restygateway.config.LiveRoutes} serves the
 * routes that passed, and {@link io.restygateway.config.LayoutApplier} turns a snapshot of keys into changes,
 * keeping the last good version of any key whose new version is refused. The Consul source is in
 * {@code io.restygateway.config.consul}.
 */
@NullMarked
package io.restygateway.config;

import org.jspecify.annotations.NullMarked;
