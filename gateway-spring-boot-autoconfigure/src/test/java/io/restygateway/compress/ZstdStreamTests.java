package io.restygateway.compress;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import com.github.luben.zstd.Zstd;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * The streaming encoder and decoder: one frame per body, any split of the input, byte-exact round trips through the
 * {@code zstd} command line tool, output within 1 % of the tool's size at the same level, and a frame cut short is
 * noticed.
 */
class ZstdStreamTests {

	static byte[] compress(byte[] body, int chunk, int level, boolean direct) {
		return compress(body, chunk, level, direct, true);
	}

	static byte[] compress(byte[] body, int chunk, int level, boolean direct, boolean flush) {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		try (ZstdStreamEncoder encoder = new ZstdStreamEncoder(level, null)) {
			for (int offset = 0; offset < body.length; offset += chunk) {
				int length = Math.min(chunk, body.length - offset);
				ByteBuffer input = direct ? ByteBuffer.allocateDirect(length) : ByteBuffer.allocate(length);
				input.put(body, offset, length).flip();
				java.util.function.Consumer<ByteBuffer> sink = bytes -> {
					byte[] copy = new byte[bytes.remaining()];
					bytes.get(copy);
					out.writeBytes(copy);
				};
				if (flush) {
					encoder.write(input, sink);
				}
				else {
					encoder.append(input, sink);
				}
				assertThat(input.hasRemaining()).isFalse();
			}
			encoder.finish(bytes -> {
				byte[] copy = new byte[bytes.remaining()];
				bytes.get(copy);
				out.writeBytes(copy);
			});
			assertThat(encoder.bytesIn()).isEqualTo(body.length);
			assertThat(encoder.bytesOut()).isEqualTo(out.size());
		}
		return out.toByteArray();
	}

	static byte[] decompress(byte[] frame, int chunk) {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		try (ZstdStreamDecoder decoder = new ZstdStreamDecoder()) {
			for (int offset = 0; offset < frame.length; offset += chunk) {
				int length = Math.min(chunk, frame.length - offset);
				decoder.write(ByteBuffer.wrap(frame, offset, length), bytes -> {
					byte[] copy = new byte[bytes.remaining()];
					bytes.get(copy);
					out.writeBytes(copy);
				});
			}
			decoder.finish();
		}
		return out.toByteArray();
	}

	static byte[] text(int length, long seed) {
		// Compressible like a real answer: words from a small vocabulary.
		String[] words = { "gateway", "upstream", "zstd", "range", "slice", "redis", "consul", "{\"id\":", "},", "\n" };
		Random random = new Random(seed);
		StringBuilder text = new StringBuilder(length + 16);
		while (text.length() < length) {
			text.append(words[random.nextInt(words.length)]).append(random.nextInt(1000)).append(' ');
		}
		return text.substring(0, length).getBytes(StandardCharsets.US_ASCII);
	}

	@Test
	void aKnownLengthGoesIntoTheFrameAndABodyOfAnotherLengthFailsTheFrame() {
		byte[] body = text(100_000, 1);
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		java.util.function.Consumer<ByteBuffer> sink = bytes -> {
			byte[] copy = new byte[bytes.remaining()];
			bytes.get(copy);
			out.writeBytes(copy);
		};
		try (ZstdStreamEncoder encoder = ZstdStreamEncoder.pledged(1, null, body.length)) {
			encoder.append(ByteBuffer.wrap(body, 0, 40_000), sink);
			encoder.append(ByteBuffer.wrap(body, 40_000, body.length - 40_000), sink);
			encoder.finish(sink);
		}
		byte[] frame = out.toByteArray();
		assertThat(Zstd.getFrameContentSize(frame)).isEqualTo(body.length);
		assertThat(decompress(frame, 4096)).isEqualTo(body);

		// An upstream that sends less than its Content-Length: the frame cannot be finished, so the answer is cut off
		// rather than ended as if whole.
		try (ZstdStreamEncoder encoder = ZstdStreamEncoder.pledged(1, null, body.length + 1)) {
			encoder.append(ByteBuffer.wrap(body), bytes -> bytes.position(bytes.limit()));
			org.assertj.core.api.Assertions.assertThatThrownBy(() -> encoder.finish(bytes -> bytes.position(bytes.limit())))
				.isInstanceOf(RuntimeException.class);
		}
		// The context of that frame serves the next answer, of unknown length, cleanly.
		assertThat(Zstd.decompress(compress(body, 8192, 1, false), body.length)).isEqualTo(body);
	}

	@Test
	void oneFramePerBodyWhateverTheSplit() {
		byte[] body = text(300_000, 1);
		for (int chunk : new int[] { 1, 7, 4096, 65_536, 1 << 20 }) {
			byte[] frame = compress(body, chunk, 3, chunk % 2 == 0);
			assertThat(Zstd.decompress(frame, body.length)).as("chunks of %d", chunk).isEqualTo(body);
			assertThat(decompress(frame, chunk)).isEqualTo(body);
		}
		assertThat(decompress(compress(new byte[0], 1, 1, false), 1)).isEmpty();
	}

	@Test
	void withoutFlushesTheFrameStillDecodesWholeAndChunksMayGiveNothingYet() {
		byte[] body = text(1 << 20, 3);
		for (int chunk : new int[] { 1, 4096, 65_536 }) {
			assertThat(decompress(compress(body, chunk, 1, true, false), 8192)).isEqualTo(body);
		}
		// One small chunk compressed on without a flush: zstd keeps it for its block, and says nothing yet.
		try (ZstdStreamEncoder encoder = new ZstdStreamEncoder(1, null)) {
			java.util.concurrent.atomic.AtomicLong out = new java.util.concurrent.atomic.AtomicLong();
			encoder.append(ByteBuffer.wrap(text(1000, 4)), bytes -> out.addAndGet(bytes.remaining()));
			long afterAppend = out.get();
			encoder.finish(bytes -> out.addAndGet(bytes.remaining()));
			assertThat(afterAppend).isLessThan(out.get());
		}
	}

	@Test
	void aBodyThatCompressesAThousandFoldDecodesWhole() {
		// The decoder's output buffer fills many times over for each chunk of input, and the frame ends exactly
		// when the input does.
		byte[] body = new byte[8 << 20];
		java.util.Arrays.fill(body, (byte) 'x');
		for (int chunk : new int[] { 1 << 20, 27_000, 7 }) {
			byte[] frame = compress(body, 1 << 20, 3, true);
			assertThat(frame.length).isLessThan(body.length / 1000);
			assertThat(decompress(frame, chunk)).as("frame fed in chunks of %d", chunk).isEqualTo(body);
		}
	}

	@Test
	void theCommandLineToolDecodesItByteForByteUpTo64MiB(@TempDir Path dir) throws Exception {
		int[][] cases = { { 0, 1 }, { 1, 1 }, { 20, 1 }, { 100_003, 1 }, { 1 << 20, 8192 }, { 64 << 20, 1 << 20 } };
		for (int[] c : cases) {
			byte[] body = text(c[0], c[0]);
			Path frame = dir.resolve("body.zst");
			Files.write(frame, compress(body, c[1], 1, true));
			Path decoded = dir.resolve("body.out");
			Files.deleteIfExists(decoded);
			Process process = new ProcessBuilder("zstd", "-d", "-q", "-f", frame.toString(), "-o", decoded.toString())
				.redirectErrorStream(true)
				.start();
			assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
			assertThat(process.exitValue()).as("zstd -d on %d bytes", c[0]).isZero();
			Path expected = dir.resolve("body.bin");
			Files.write(expected, body);
			assertThat(Files.mismatch(decoded, expected)).isEqualTo(-1);
		}
	}

	@Test
	void theFrameIsWithinOnePercentOfTheCommandLineToolsAtTheSameLevel(@TempDir Path dir) throws Exception {
		byte[] body = text(4 << 20, 5);
		Path input = dir.resolve("body.txt");
		Files.write(input, body);
		for (int level : new int[] { 1, 3 }) {
			Path cli = dir.resolve("cli-" + level + ".zst");
			Process process = new ProcessBuilder("zstd", "-" + level, "-q", "-f", input.toString(), "-o", cli.toString())
				.redirectErrorStream(true)
				.start();
			assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
			long theirs = Files.size(cli);
			// Upstream chunks of 64 KiB, each flushed, as a streamed answer arrives; and compressed on without a
			// flush, as an ordinary answer is.
			long flushed = compress(body, 65_536, level, true, true).length;
			assertThat((double) flushed / theirs).as("level %d: ours %d, zstd CLI %d", level, flushed, theirs)
				.isLessThanOrEqualTo(1.01);
			long appended = compress(body, 65_536, level, true, false).length;
			assertThat((double) appended / theirs).as("level %d: ours %d, zstd CLI %d", level, appended, theirs)
				.isLessThanOrEqualTo(1.01);
			assertThat(appended).isLessThanOrEqualTo(flushed);
		}
	}

	@Test
	void aBodyCutInTheMiddleOfAFrameIsNoticed() {
		byte[] frame = compress(text(10_000, 2), 10_000, 1, false);
		try (ZstdStreamDecoder decoder = new ZstdStreamDecoder()) {
			decoder.write(ByteBuffer.wrap(frame, 0, frame.length / 2), bytes -> bytes.position(bytes.limit()));
			assertThatIllegalStateException().isThrownBy(decoder::finish).withMessageContaining("middle of a frame");
		}
	}

}
