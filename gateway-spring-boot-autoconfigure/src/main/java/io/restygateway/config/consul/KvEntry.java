package io.restygateway.config.consul;

/**
 * One key as Consul lists it.
 *
 * @param key the full key
 * @param value the decoded value; empty when Consul says {@code null} (a key that exists with no value). Not copied:
 * do not modify it
 * @param flags the opaque flags set with the value
 * @param createIndex the index of the write that created the key
 * @param modifyIndex the index of the last write that changed it
 */
public record KvEntry(String key, byte[] value, long flags, long createIndex, long modifyIndex) {
}
