/**
 * Rate limits, after lua-resty-redis-ratelimit (a leaky bucket shared through Redis) and lua-resty-limit-rate (a
 * local token bucket). The algorithms ({@link io.restygateway.ratelimit.Gcra}, {@link io.restygateway.ratelimit.TokenBucket})
 * are plain Java over times passed in, so that they are tested with exact instants.
 */
@NullMarked
package io.restygateway.ratelimit;

import org.jspecify.annotations.NullMarked;
