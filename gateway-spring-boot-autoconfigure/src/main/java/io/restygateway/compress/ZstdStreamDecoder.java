package io.restygateway.compress;

import java.nio.ByteBuffer;
import java.util.function.Consumer;

import com.github.luben.zstd.ZstdDecompressCtx;
import org.jspecify.annotations.Nullable;

/**
 * Decodes a zstd body chunk by chunk (one frame or several in a row), for a client that does not accept zstd from
 * an upstream that answers with it, as nginx's gunzip does for gzip. Memory is bounded by the frame's window and one
 * output buffer. Not thread-safe; close it when the response ends.
 */
public final class ZstdStreamDecoder implements AutoCloseable {

	/** The output buffer's size: zstd's ZSTD_DStreamOutSize (one block). */
	static final int OUTPUT_SIZE = 128 * 1024;

	private final ZstdDecompressCtx context = new ZstdDecompressCtx();

	private final ByteBuffer output = ByteBuffer.allocateDirect(OUTPUT_SIZE);

	private @Nullable ByteBuffer scratch;

	private boolean inFrame;

	private boolean closed;

	/**
	 * Decode a chunk.
	 * @param input compressed bytes; consumed
	 * @param sink receives decoded bytes, possibly several times; it must copy what it keeps
	 */
	public synchronized void write(ByteBuffer input, Consumer<ByteBuffer> sink) {
		if (this.closed) {
			throw new IllegalStateException("the zstd stream is closed");
		}
		if (input.isDirect()) {
			drain(input, sink);
			return;
		}
		ByteBuffer direct = this.scratch;
		if (direct == null) {
			direct = ByteBuffer.allocateDirect(64 * 1024);
			this.scratch = direct;
		}
		while (input.hasRemaining()) {
			direct.clear();
			int piece = Math.min(direct.capacity(), input.remaining());
			ByteBuffer slice = input.slice();
			slice.limit(piece);
			direct.put(slice);
			input.position(input.position() + piece);
			direct.flip();
			drain(direct, sink);
		}
	}

	private void drain(ByteBuffer input, Consumer<ByteBuffer> sink) {
		while (true) {
			this.output.clear();
			int before = input.position();
			boolean frameDone = this.context.decompressDirectByteBufferStream(this.output, input);
			this.output.flip();
			boolean full = this.output.remaining() == this.output.capacity();
			// A call that neither read nor wrote says nothing about the frame: after a frame's end, a call with no
			// input would start looking for the next frame and report "not done".
			if (input.position() > before || this.output.hasRemaining()) {
				this.inFrame = !frameDone;
			}
			if (this.output.hasRemaining()) {
				sink.accept(this.output);
			}
			if (!input.hasRemaining() && !full) {
				return;
			}
		}
	}

	/**
	 * The body ended.
	 * @throws IllegalStateException when it ended in the middle of a frame
	 */
	public synchronized void finish() {
		if (this.inFrame) {
			throw new IllegalStateException("the zstd body ended in the middle of a frame");
		}
	}

	/**
	 * Free the native context; safe to call more than once, and from another thread than the one writing (a client
	 * that leaves cancels the body on its own thread): it waits for a write in progress.
	 */
	@Override
	public synchronized void close() {
		if (!this.closed) {
			this.closed = true;
			this.context.close();
		}
	}

}
