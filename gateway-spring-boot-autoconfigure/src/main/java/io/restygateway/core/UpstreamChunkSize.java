package io.restygateway.core;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.HttpResponseDecoderSpec;

import org.springframework.cloud.gateway.config.HttpClientCustomizer;

/**
 * Lets the gateway's HTTP client hand on an upstream answer's body in pieces as large as Netty reads them.
 * <p>
 * Netty's HTTP decoder cuts a body into pieces of at most {@code maxChunkSize} bytes, 8 KiB by default, while a read
 * from a busy socket brings up to 64 KiB: every read of a large answer became eight pieces, and each went through the
 * response's operators, the HTTP encoder and the outbound buffer of the client's connection on its own (an 8-iovec
 * {@code writev} per read). The pieces are slices of the buffer read, so a larger limit copies nothing and holds no
 * more memory than the read itself.
 * <p>
 * {@code HttpClient.httpResponseDecoder} starts from a fresh decoder spec, so this copies every setting of the
 * client's current one (Spring Cloud Gateway's {@code max-header-size}, {@code max-initial-line-length} and any a
 * user's customizer set) before it changes the chunk size. Two settings have no getter; they are found by comparing
 * the copy with the current spec, and if no copy equals it the client is left as it is.
 */
final class UpstreamChunkSize implements HttpClientCustomizer {

	private static final Log logger = LogFactory.getLog(UpstreamChunkSize.class);

	private final int maxChunkSize;

	UpstreamChunkSize(int maxChunkSize) {
		if (maxChunkSize <= 0) {
			throw new IllegalArgumentException(
					"resty.netty.upstream-max-chunk-size must be positive, was " + maxChunkSize + " bytes");
		}
		this.maxChunkSize = maxChunkSize;
	}

	int maxChunkSize() {
		return this.maxChunkSize;
	}

	@Override
	@SuppressWarnings("deprecation") // maxChunkSize: deprecated for Netty 5, which has no such limit; Netty 4 has it
	public HttpClient customize(HttpClient client) {
		HttpResponseDecoderSpec current = client.configuration().decoder();
		if (current.maxChunkSize() == this.maxChunkSize) {
			return client;
		}
		boolean[] copied = { false };
		HttpClient customized = client.httpResponseDecoder(spec -> {
			copied[0] = copy(current, spec);
			return copied[0] ? spec.maxChunkSize(this.maxChunkSize) : spec;
		});
		if (!copied[0]) {
			logger.warn("The gateway's HTTP client has a response decoder setting that cannot be copied; "
					+ "resty.netty.upstream-max-chunk-size is not applied");
			return client;
		}
		return customized;
	}

	/** Copies {@code from} into {@code to}; true if the copy equals it, the two settings without a getter too. */
	@SuppressWarnings("deprecation")
	static boolean copy(HttpResponseDecoderSpec from, HttpResponseDecoderSpec to) {
		to.maxInitialLineLength(from.maxInitialLineLength())
			.maxHeaderSize(from.maxHeaderSize())
			.maxChunkSize(from.maxChunkSize())
			.validateHeaders(from.validateHeaders())
			.initialBufferSize(from.initialBufferSize())
			.allowDuplicateContentLengths(from.allowDuplicateContentLengths())
			.h2cMaxContentLength(from.h2cMaxContentLength())
			.allowPartialChunks(from.allowPartialChunks());
		for (int flags = 0; flags < 4; flags++) {
			to.failOnMissingResponse((flags & 1) != 0).parseHttpAfterConnectRequest((flags & 2) != 0);
			if (to.equals(from)) {
				return true;
			}
		}
		return false;
	}

}
