package io.restygateway.bench;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import io.restygateway.compress.Base64Lines;
import io.restygateway.compress.ZstdStreamEncoder;

/**
 * The compression issue's goal: the filters' streaming encoders at 90 % or more of the raw library's speed on the
 * same bytes. One 1 MiB JSON-like body (ratio about 5 at level 1), encoded whole by zstd-jni and java.util.Base64,
 * and streamed in the 64 KiB chunks an upstream sends, flushed after each, by {@link ZstdStreamEncoder} and
 * {@link Base64Lines}. Milliseconds per body; MB/s is 1 MiB divided by that.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class CompressionBenchmark {

	static final int SIZE = 1 << 20;

	static final int CHUNK = 64 * 1024;

	@Param({ "1", "3" })
	public int level;

	private byte[] body;

	private ByteBuffer direct;

	private ZstdCompressCtx raw;

	private byte[] rawOut;

	private byte[] base64Out;

	private long sink;

	@Setup
	public void setUp() {
		String[] words = { "\"id\":", "\"name\":\"resty\"", "\"upstream\":", "\"slice\":", "\"level\":", "[1,2,3]", "," };
		Random random = new Random(1);
		StringBuilder text = new StringBuilder(SIZE + 64);
		while (text.length() < SIZE) {
			text.append('{').append(words[random.nextInt(words.length)]).append(random.nextInt(100_000)).append("},\n");
		}
		this.body = text.substring(0, SIZE).getBytes(StandardCharsets.US_ASCII);
		this.direct = ByteBuffer.allocateDirect(SIZE);
		this.direct.put(this.body).flip();
		this.raw = new ZstdCompressCtx();
		this.raw.setLevel(this.level);
		this.rawOut = new byte[(int) Zstd.compressBound(SIZE)];
		// Room for any chunk, whatever the bytes and line position carried from the one before.
		this.base64Out = new byte[new Base64Lines().maxEncodedLength(CHUNK + 2) + Base64Lines.LINE + 2];
	}

	@TearDown
	public void tearDown() {
		this.raw.close();
	}

	/** zstd-jni compressing the whole body in one call: the library's own best case. */
	@Benchmark
	public int zstdRaw() {
		return this.raw.compressByteArray(this.rawOut, 0, this.rawOut.length, this.body, 0, this.body.length);
	}

	/**
	 * The Zstd filter's encoder as a streamed answer uses it: 16 chunks of 64 KiB from direct buffers, each flushed,
	 * then the frame's end.
	 */
	@Benchmark
	public long zstdStreamed() {
		this.sink = 0;
		try (ZstdStreamEncoder encoder = new ZstdStreamEncoder(this.level, null)) {
			for (int offset = 0; offset < SIZE; offset += CHUNK) {
				ByteBuffer chunk = this.direct.slice(offset, CHUNK);
				encoder.write(chunk, out -> this.sink += out.remaining());
			}
			encoder.finish(out -> this.sink += out.remaining());
		}
		return this.sink;
	}

	/**
	 * The same encoder as an ordinary (not streamed) answer uses it: 16 chunks of 64 KiB compressed on without a
	 * flush, zstd emitting whole blocks as they fill, then the frame's end.
	 */
	@Benchmark
	public long zstdAppended() {
		return appended(new ZstdStreamEncoder(this.level, null));
	}

	private long appended(ZstdStreamEncoder opened) {
		this.sink = 0;
		try (ZstdStreamEncoder encoder = opened) {
			for (int offset = 0; offset < SIZE; offset += CHUNK) {
				ByteBuffer chunk = this.direct.slice(offset, CHUNK);
				encoder.append(chunk, out -> this.sink += out.remaining());
			}
			encoder.finish(out -> this.sink += out.remaining());
		}
		return this.sink;
	}

	/**
	 * The same with the body's length known (an upstream answer framed by Content-Length), so that zstd is told the
	 * size, as the one-call compression is.
	 */
	@Benchmark
	public long zstdAppendedKnownLength() {
		return appended(ZstdStreamEncoder.pledged(this.level, null, SIZE));
	}

	/** java.util.Base64's MIME encoder on the whole body (76-character lines, CRLF). */
	@Benchmark
	public int base64Raw() {
		return Base64.getMimeEncoder().encode(this.body).length;
	}

	/** The Base64 filter's encoder: 16 chunks of 64 KiB, lines carried across chunks. */
	@Benchmark
	public long base64Streamed() {
		Base64Lines lines = new Base64Lines();
		long written = 0;
		for (int offset = 0; offset < SIZE; offset += CHUNK) {
			written += lines.encode(this.body, offset, CHUNK, this.base64Out, 0);
		}
		return written + lines.finish().length;
	}

}
