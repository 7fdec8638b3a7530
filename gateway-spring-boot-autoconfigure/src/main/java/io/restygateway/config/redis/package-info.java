/**
 * Redis as a live source of routes and upstreams, for teams without Consul (lua-resty-sync's role): a version key is
 * polled by a {@link io.restygateway.config.sync.VersionedSync}, and the documents hash is read only when the
 * version changes, then applied through the same {@link io.restygateway.config.LayoutApplier} as Consul's.
 */
@NullMarked
package io.restygateway.config.redis;

import org.jspecify.annotations.NullMarked;
