package io.restygateway.core;

import org.junit.jupiter.api.Test;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.HttpResponseDecoderSpec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

@SuppressWarnings("deprecation") // maxChunkSize, deprecated for Netty 5 only
class UpstreamChunkSizeTests {

	@Test
	void setsTheChunkSizeAndKeepsEveryOtherDecoderSetting() {
		HttpClient client = HttpClient.create().httpResponseDecoder(UpstreamChunkSizeTests::otherSettings);

		HttpResponseDecoderSpec decoder = new UpstreamChunkSize(65536).customize(client).configuration().decoder();

		HttpResponseDecoderSpec expected = client
			.httpResponseDecoder(spec -> otherSettings(spec).maxChunkSize(65536))
			.configuration()
			.decoder();
		assertThat(decoder.maxChunkSize()).isEqualTo(65536);
		assertThat(decoder.maxHeaderSize()).isEqualTo(16384);
		// equals covers the two settings that have no getter.
		assertThat(decoder).isEqualTo(expected);
	}

	@Test
	void aClientWithNettysDefaultsGetsOnlyTheChunkSize() {
		HttpClient client = HttpClient.create();
		HttpResponseDecoderSpec before = client.configuration().decoder();
		HttpResponseDecoderSpec after = new UpstreamChunkSize(131072).customize(client).configuration().decoder();
		assertThat(before.maxChunkSize()).isEqualTo(8192);
		assertThat(after.maxChunkSize()).isEqualTo(131072);
		assertThat(after.maxHeaderSize()).isEqualTo(before.maxHeaderSize());
		assertThat(after.validateHeaders()).isEqualTo(before.validateHeaders());
	}

	@Test
	void aClientThatAlreadyHasTheSizeIsLeftAsItIs() {
		HttpClient client = HttpClient.create().httpResponseDecoder(spec -> spec.maxChunkSize(65536));
		assertThat(new UpstreamChunkSize(65536).customize(client)).isSameAs(client);
	}

	@Test
	void refusesASizeThatIsNotPositive() {
		assertThatIllegalArgumentException().isThrownBy(() -> new UpstreamChunkSize(0))
			.withMessageContaining("resty.netty.upstream-max-chunk-size");
	}

	/** Every decoder setting but the chunk size, away from its default. */
	private static HttpResponseDecoderSpec otherSettings(HttpResponseDecoderSpec spec) {
		return spec.maxHeaderSize(16384)
			.maxInitialLineLength(8192)
			.validateHeaders(false)
			.initialBufferSize(256)
			.allowDuplicateContentLengths(true)
			.h2cMaxContentLength(1024)
			.allowPartialChunks(false)
			.failOnMissingResponse(true)
			.parseHttpAfterConnectRequest(true);
	}

}
