package io.restygateway.compress;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdDictCompress;
import com.github.luben.zstd.ZstdDictTrainer;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * Reused zstd contexts: a context given back serves the next answer at that answer's level and with its dictionary
 * or none (nothing of the last answer's parameters or dictionary stays), a frame left unfinished (a client that left)
 * does not leak into the next answer's frame, a dictionary can be closed once its answers are done, and no more than
 * the cap is kept idle.
 */
class ZstdWorkspacesTests {

	private static final byte[] BODY = "{\"id\":1,\"name\":\"resty\",\"upstream\":\"a\"},\n".repeat(2000)
		.getBytes(StandardCharsets.US_ASCII);

	private static byte[] encode(ZstdStreamEncoder encoder, byte[] body) {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		Consumer<ByteBuffer> sink = bytes -> {
			byte[] copy = new byte[bytes.remaining()];
			bytes.get(copy);
			out.writeBytes(copy);
		};
		encoder.append(ByteBuffer.wrap(body), sink);
		encoder.finish(sink);
		return out.toByteArray();
	}

	@Test
	void aContextIsReusedAndProducesTheBytesOfAFreshOne() {
		ZstdWorkspaces workspaces = new ZstdWorkspaces(4);
		byte[] first;
		try (ZstdStreamEncoder encoder = new ZstdStreamEncoder(3, null, workspaces)) {
			first = encode(encoder, BODY);
		}
		assertThat(workspaces.made()).isEqualTo(1);
		assertThat(workspaces.idle()).isEqualTo(1);
		byte[] again;
		try (ZstdStreamEncoder encoder = new ZstdStreamEncoder(3, null, workspaces)) {
			assertThat(workspaces.idle()).isZero();
			again = encode(encoder, BODY);
		}
		assertThat(workspaces.made()).as("the idle context was taken").isEqualTo(1);
		// The same bytes as a fresh context: nothing of the first frame remains.
		assertThat(again).isEqualTo(first);

		try (ZstdStreamEncoder other = new ZstdStreamEncoder(19, null, workspaces)) {
			byte[] smaller = encode(other, BODY);
			assertThat(Zstd.decompress(smaller, BODY.length)).isEqualTo(BODY);
			try (ZstdStreamEncoder fresh = new ZstdStreamEncoder(19, null, new ZstdWorkspaces(1))) {
				assertThat(smaller).as("at level 19, not 3").isEqualTo(encode(fresh, BODY));
			}
		}
		assertThat(workspaces.made()).isEqualTo(1);
		try (ZstdStreamEncoder encoder = new ZstdStreamEncoder(3, null, workspaces)) {
			assertThat(encode(encoder, BODY)).as("back at level 3").isEqualTo(first);
		}
	}

	@Test
	void aFrameLeftUnfinishedDoesNotReachTheNextAnswer() {
		ZstdWorkspaces workspaces = new ZstdWorkspaces(4);
		ZstdStreamEncoder left = new ZstdStreamEncoder(1, null, workspaces);
		left.write(ByteBuffer.wrap("half of an answer whose client left".getBytes(StandardCharsets.US_ASCII)),
				bytes -> bytes.position(bytes.limit()));
		left.close();
		assertThatIllegalStateException().isThrownBy(() -> left.finish(bytes -> {
		}));
		try (ZstdStreamEncoder next = new ZstdStreamEncoder(1, null, workspaces)) {
			byte[] frame = encode(next, BODY);
			assertThat(workspaces.made()).isEqualTo(1);
			assertThat(Zstd.decompress(frame, BODY.length)).isEqualTo(BODY);
		}
	}

	@Test
	void aDictionaryStaysWithItsAnswer() {
		ZstdDictTrainer trainer = new ZstdDictTrainer(1 << 20, 4 * 1024);
		for (int i = 0; i < 4000; i++) {
			trainer.addSample(("{\"id\":" + i + ",\"name\":\"resty-" + (i % 7) + "\",\"upstream\":\"u" + (i % 13)
					+ "\",\"weight\":" + (i % 5) + "}").getBytes(StandardCharsets.US_ASCII));
		}
		byte[] trained = trainer.trainSamples();
		ZstdWorkspaces workspaces = new ZstdWorkspaces(4);
		try (ZstdDictCompress dictionary = new ZstdDictCompress(trained, 3)) {
			byte[] withDictionary;
			try (ZstdStreamEncoder encoder = new ZstdStreamEncoder(3, dictionary, workspaces)) {
				withDictionary = encode(encoder, BODY);
			}
			assertThat(Zstd.getDictIdFromFrame(withDictionary)).isNotZero();
			try (ZstdStreamEncoder plain = new ZstdStreamEncoder(3, null, workspaces)) {
				byte[] frame = encode(plain, BODY);
				assertThat(Zstd.getDictIdFromFrame(frame)).as("no dictionary in a plain answer").isZero();
				assertThat(Zstd.decompress(frame, BODY.length)).isEqualTo(BODY);
			}
			try (ZstdStreamEncoder again = new ZstdStreamEncoder(3, dictionary, workspaces)) {
				assertThat(encode(again, BODY)).isEqualTo(withDictionary);
			}
			assertThat(workspaces.made()).isEqualTo(1);
			// Closing the dictionary (the try's end) must not find it held by an idle context.
		}
	}

	@Test
	void noMoreThanTheCapIsKeptIdle() {
		ZstdWorkspaces workspaces = new ZstdWorkspaces(2);
		ZstdStreamEncoder[] open = new ZstdStreamEncoder[5];
		for (int i = 0; i < open.length; i++) {
			open[i] = new ZstdStreamEncoder(1, null, workspaces);
		}
		assertThat(workspaces.made()).isEqualTo(5);
		for (ZstdStreamEncoder encoder : open) {
			encoder.close();
			encoder.close();
		}
		assertThat(workspaces.idle()).isEqualTo(2);
	}

}
