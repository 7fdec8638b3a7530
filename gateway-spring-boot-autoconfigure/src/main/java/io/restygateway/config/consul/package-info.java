/**
 * Consul's KV store as a source of dynamic configuration: {@link io.restygateway.config.consul.ConsulKvClient} speaks
 * the KV HTTP API over the JDK's HTTP client, and {@link io.restygateway.config.consul.KvWatch} follows a prefix with
 * blocking queries on a thread of its own, handing over whole snapshots (deletes included) when they change. Both are
 * plain Java, with time and sleeping injected, so that the rules of blocking queries (indexes that go backwards,
 * back-off, rate limits) are tested without Spring and without waiting. The Spring glue of the live source
 * ({@code resty.consul.*}) is {@link io.restygateway.config.consul.ConsulConfigAutoConfiguration},
 * {@link io.restygateway.config.consul.ConsulConfigSource} and its health indicator.
 */
@NullMarked
package io.restygateway.config.consul;

import org.jspecify.annotations.NullMarked;
