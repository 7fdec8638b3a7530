package io.restygateway.compress;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * base64-nginx-module's t/01-sanity.t and the spec's cases, then any split of any body gives the same bytes, and
 * coreutils' {@code base64 -d} gives the body back.
 */
class Base64LinesTests {

	static byte[] encode(byte[] body, int chunk) {
		Base64Lines encoder = new Base64Lines();
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		for (int offset = 0; offset < body.length; offset += chunk) {
			int length = Math.min(chunk, body.length - offset);
			byte[] buffer = new byte[encoder.maxEncodedLength(length)];
			out.write(buffer, 0, encoder.encode(body, offset, length, buffer, 0));
		}
		out.writeBytes(encoder.finish());
		return out.toByteArray();
	}

	static String encode(String body) {
		return new String(encode(body.getBytes(StandardCharsets.UTF_8), Integer.MAX_VALUE / 2), StandardCharsets.US_ASCII);
	}

	@Test
	void theOriginalsSanityCases() {
		assertThat(encode("hello world\n")).isEqualTo("aGVsbG8gd29ybGQK\r\n");
		assertThat(Base64Lines.encodedLength(12)).isEqualTo(18);
		assertThat(Base64Lines.encodedLength(5000)).isEqualTo(6844);
		assertThat(encode(new byte[5000], 5000)).hasSize(6844);
		assertThat(encode("")).isEmpty();
		assertThat(Base64Lines.encodedLength(0)).isZero();
	}

	@Test
	void linesOf76CharactersEachEndedByCrlf() {
		String line57 = "x".repeat(57);
		String one = encode(line57);
		assertThat(one).hasSize(78).endsWith("\r\n");
		assertThat(one.substring(0, 76)).doesNotContain("\r");
		String two = encode(line57 + "x");
		assertThat(two).isEqualTo(one + "eA==\r\n");
		String text = encode("a long text ".repeat(100));
		for (String line : text.split("\r\n")) {
			assertThat(line.length()).isLessThanOrEqualTo(76);
		}
		assertThat(text).endsWith("\r\n").doesNotContain("\r\n\r\n");
	}

	@Test
	void everySplitGivesTheSameBytesAsTheJdksMimeEncoderPlusAFinalCrlf() {
		Random random = new Random(3);
		for (int length : new int[] { 0, 1, 2, 3, 56, 57, 58, 113, 114, 115, 1000, 4099, 65537 }) {
			byte[] body = new byte[length];
			random.nextBytes(body);
			String jdk = Base64.getMimeEncoder().encodeToString(body);
			byte[] expected = (length == 0 ? "" : jdk + "\r\n").getBytes(StandardCharsets.US_ASCII);
			for (int chunk : new int[] { 1, 2, 3, 4, 5, 7, 56, 57, 58, 1000, 1 << 20 }) {
				assertThat(encode(body, chunk)).as("%d bytes in chunks of %d", length, chunk).isEqualTo(expected);
			}
			assertThat((long) expected.length).isEqualTo(Base64Lines.encodedLength(length));
		}
	}

	@Test
	void coreutilsDecodesItByteForByteUpTo64MiB(@TempDir Path dir) throws Exception {
		Random random = new Random(11);
		int[][] cases = { { 0, 1 }, { 1, 1 }, { 1000, 1 }, { 100_003, 7 }, { 1 << 20, 8192 }, { 64 << 20, 1 << 20 } };
		for (int[] c : cases) {
			byte[] body = new byte[c[0]];
			random.nextBytes(body);
			Path encoded = dir.resolve("body.b64");
			Files.write(encoded, encode(body, c[1]));
			Path decoded = dir.resolve("body.bin");
			// -i: coreutils reads \n line ends only; MIME's CR is skipped as the non-alphabet byte it is.
			Process process = new ProcessBuilder("base64", "-d", "-i", encoded.toString()).redirectOutput(decoded.toFile())
				.redirectErrorStream(false)
				.start();
			assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
			assertThat(process.exitValue()).as("base64 -d on %d bytes", c[0]).isZero();
			assertThat(Files.mismatch(decoded, writeTo(dir.resolve("expected.bin"), body))).isEqualTo(-1);
		}
	}

	static Path writeTo(Path path, byte[] body) throws Exception {
		Files.write(path, body);
		return path;
	}

}
