/**
 * The request-key syntax shared by the upstreams' consistent hashing and the rate limiters: {@code ip},
 * {@code uri}, {@code path}, {@code route}, {@code header:NAME}, {@code cookie:NAME}, {@code query:NAME}, and a list
 * of them tried in turn. The parsing and resolution are plain Java over {@link io.restygateway.key.RequestView};
 * the adapters from Spring's request types are thin.
 */
@NullMarked
package io.restygateway.key;

import org.jspecify.annotations.NullMarked;
