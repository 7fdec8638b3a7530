/**
 * Upstreams, after lua-resty-checkups and slardar: clusters of servers in priority levels, smooth weighted round
 * robin and weighted consistent hashing, active and passive health checks, retries across servers and levels.
 * The algorithms ({@link io.restygateway.upstream.SmoothWeightedRoundRobin}, {@link io.restygateway.upstream.HashRing},
 * {@link io.restygateway.upstream.Upstream}) are plain Java with an injected clock; the Spring Cloud LoadBalancer
 * adapter, the health checker's scheduler and the actuator endpoint are thin glue around them.
 */
@NullMarked
package io.restygateway.upstream;

import org.jspecify.annotations.NullMarked;
