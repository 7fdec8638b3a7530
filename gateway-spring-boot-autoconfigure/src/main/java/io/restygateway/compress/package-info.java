/**
 * Response encodings, after zstd-nginx-module and base64-nginx-module: the {@code Zstd} and {@code Base64} gateway
 * filters. The codings themselves ({@link io.restygateway.compress.ZstdStreamEncoder},
 * {@link io.restygateway.compress.Base64Lines}) and the rules ({@link io.restygateway.compress.AcceptEncoding},
 * {@link io.restygateway.compress.Validators}) are plain Java, tested without Spring.
 */
@NullMarked
package io.restygateway.compress;

import org.jspecify.annotations.NullMarked;
