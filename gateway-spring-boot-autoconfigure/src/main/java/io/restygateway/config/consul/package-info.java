/**
 * Consul's KV store as a source of dynamic configuration: {@link io.restygateway.config.consul.ConsulKvClient} speaks
 * the KV HTTP API over the JDK's HTTP client, and {@link io.restygateway.config.consul.KvWatch} follows a prefix with
 * blocking queries on a thread of its own, handing over whole snapshots (deletes included) when they change. Both are
 * plain Java, with time and sleeping injected, so that the rules of blocking queries (indexes that go backwards,
 * back-off, rate limits) are tested without Spring and without waiting.
 */
@NullMarked
package io.restygateway.config.consul;

import org.jspecify.annotations.NullMarked;
