/**
 * lua-resty-sync's role, in plain Java: {@link io.restygateway.config.sync.VersionedSync} polls a cheap version and
 * fetches the (dear) data only when the version changed, keeping the last good data when a fetch or its consumer
 * fails. No Spring in it: the Redis route source uses it, and so can an application for its own data.
 */
@NullMarked
package io.restygateway.config.sync;

import org.jspecify.annotations.NullMarked;
