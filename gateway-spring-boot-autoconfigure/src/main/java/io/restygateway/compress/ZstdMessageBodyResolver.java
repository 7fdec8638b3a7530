package io.restygateway.compress;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;

import org.springframework.cloud.gateway.filter.factory.rewrite.MessageBodyDecoder;
import org.springframework.cloud.gateway.filter.factory.rewrite.MessageBodyEncoder;
import org.springframework.core.io.buffer.DataBuffer;

/**
 * The {@code zstd} coding for Spring Cloud Gateway's {@code ModifyResponseBody}: it decodes an upstream's zstd body
 * before the rewrite function sees it, and encodes the rewritten body again, as {@code GzipMessageBodyResolver}
 * does for gzip.
 */
public class ZstdMessageBodyResolver implements MessageBodyDecoder, MessageBodyEncoder {

	private final int level;

	/**
	 * @param level the level the rewritten body is compressed at
	 */
	public ZstdMessageBodyResolver(int level) {
		this.level = level;
	}

	@Override
	public String encodingType() {
		return "zstd";
	}

	@Override
	public byte[] decode(byte[] encoded) {
		ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(64, encoded.length * 4));
		try (ZstdStreamDecoder decoder = new ZstdStreamDecoder()) {
			decoder.write(ByteBuffer.wrap(encoded), bytes -> out.writeBytes(copy(bytes)));
			decoder.finish();
		}
		return out.toByteArray();
	}

	@Override
	public byte[] encode(DataBuffer original) {
		ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(64, original.readableByteCount() / 3));
		try (ZstdStreamEncoder encoder = new ZstdStreamEncoder(this.level, null);
				DataBuffer.ByteBufferIterator buffers = original.readableByteBuffers()) {
			while (buffers.hasNext()) {
				encoder.write(buffers.next(), bytes -> out.writeBytes(copy(bytes)));
			}
			encoder.finish(bytes -> out.writeBytes(copy(bytes)));
		}
		return out.toByteArray();
	}

	private static byte[] copy(ByteBuffer bytes) {
		byte[] copy = new byte[bytes.remaining()];
		bytes.get(copy);
		return copy;
	}

}
