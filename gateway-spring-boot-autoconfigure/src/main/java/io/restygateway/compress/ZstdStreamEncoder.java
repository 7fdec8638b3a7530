package io.restygateway.compress;

import java.nio.ByteBuffer;
import java.util.function.Consumer;

import com.github.luben.zstd.EndDirective;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDictCompress;
import org.jspecify.annotations.Nullable;

/**
 * One response's zstd stream: one frame, fed chunk by chunk with zstd-jni's streaming API. As in zstd-nginx-module, a
 * chunk is flushed only when asked ({@link #write}: a streamed answer, such as server-sent events, must not be held
 * back), and otherwise compressed on ({@link #append}): zstd then emits whole blocks as they fill, which is faster and
 * smaller than a flush every chunk. Memory is bounded
 * whatever the body's size: the native context (its window) and one output buffer, both taken from
 * {@link ZstdWorkspaces} and given back on {@link #close()} for the next answer. The output is handed to a
 * consumer as it is made; the consumer must copy what it keeps before returning. Not thread-safe; close it when the
 * response ends, however it ends.
 */
public final class ZstdStreamEncoder implements AutoCloseable {

	/** The output buffer's size: zstd's recommended ZSTD_CStreamOutSize (a block and its header). */
	static final int OUTPUT_SIZE = 128 * 1024 + 512;

	private final ZstdWorkspaces workspaces;

	private final ZstdWorkspaces.Workspace workspace;

	private final ZstdCompressCtx context;

	private final ByteBuffer output;

	private long bytesIn;

	private long bytesOut;

	private boolean closed;

	/**
	 * @param level the compression level (negative levels are the fast ones)
	 * @param dictionary a trained dictionary, or null
	 */
	public ZstdStreamEncoder(int level, @Nullable ZstdDictCompress dictionary) {
		this(level, dictionary, ZstdWorkspaces.SHARED);
	}

	/**
	 * An encoder for a body whose length is known: zstd tunes its window and tables to it, as a one-call compression
	 * does, and writes the length into the frame's header. Finishing the frame fails if the bytes fed in differ.
	 * @param level the compression level
	 * @param dictionary a trained dictionary, or null
	 * @param length the body's exact length, or a negative number when it is not known
	 * @return the encoder
	 */
	public static ZstdStreamEncoder pledged(int level, @Nullable ZstdDictCompress dictionary, long length) {
		ZstdStreamEncoder encoder = new ZstdStreamEncoder(level, dictionary);
		if (length >= 0) {
			try {
				encoder.context.setPledgedSrcSize(length);
			}
			catch (RuntimeException ex) {
				encoder.close();
				throw ex;
			}
		}
		return encoder;
	}

	ZstdStreamEncoder(int level, @Nullable ZstdDictCompress dictionary, ZstdWorkspaces workspaces) {
		this.workspaces = workspaces;
		this.workspace = workspaces.take(level, dictionary);
		this.context = this.workspace.context;
		this.output = this.workspace.output;
	}

	/**
	 * Compress a chunk and flush it.
	 * @param input the chunk; it is consumed
	 * @param sink receives compressed bytes, possibly several times
	 */
	public synchronized void write(ByteBuffer input, Consumer<ByteBuffer> sink) {
		feed(input, EndDirective.FLUSH, sink);
	}

	/**
	 * Compress a chunk without flushing: what zstd holds back comes out with later chunks or at the end.
	 * @param input the chunk; it is consumed
	 * @param sink receives compressed bytes, possibly several times, possibly not at all
	 */
	public synchronized void append(ByteBuffer input, Consumer<ByteBuffer> sink) {
		feed(input, EndDirective.CONTINUE, sink);
	}

	private void feed(ByteBuffer input, EndDirective mode, Consumer<ByteBuffer> sink) {
		if (this.closed) {
			throw new IllegalStateException("the zstd stream is closed");
		}
		this.bytesIn += input.remaining();
		run(input, mode, sink);
	}

	/**
	 * End the frame.
	 * @param sink receives the last compressed bytes
	 */
	public synchronized void finish(Consumer<ByteBuffer> sink) {
		if (this.closed) {
			throw new IllegalStateException("the zstd stream is closed");
		}
		run(ByteBuffer.allocateDirect(0), EndDirective.END, sink);
	}

	private void run(ByteBuffer input, EndDirective mode, Consumer<ByteBuffer> sink) {
		if (input.isDirect()) {
			drain(input, mode, sink);
			return;
		}
		// Native code reads direct memory: a heap chunk goes through a direct scratch buffer, piece by piece.
		ByteBuffer direct = this.workspace.scratch();
		do {
			direct.clear();
			int piece = Math.min(direct.capacity(), input.remaining());
			ByteBuffer slice = input.slice();
			slice.limit(piece);
			direct.put(slice);
			input.position(input.position() + piece);
			direct.flip();
			drain(direct, input.hasRemaining() ? EndDirective.CONTINUE : mode, sink);
		}
		while (input.hasRemaining());
	}

	private void drain(ByteBuffer input, EndDirective mode, Consumer<ByteBuffer> sink) {
		boolean done;
		do {
			this.output.clear();
			done = this.context.compressDirectByteBufferStream(this.output, input, mode);
			this.output.flip();
			if (this.output.hasRemaining()) {
				this.bytesOut += this.output.remaining();
				sink.accept(this.output);
			}
		}
		while (input.hasRemaining() || (mode != EndDirective.CONTINUE && !done));
	}

	/** @return the bytes fed in so far */
	public long bytesIn() {
		return this.bytesIn;
	}

	/** @return the compressed bytes made so far */
	public long bytesOut() {
		return this.bytesOut;
	}

	/**
	 * Give the native context back for the next answer; safe to call more than once, and from another thread than the
	 * one writing (a client that leaves cancels the body on its own thread): it waits for a write in progress.
	 */
	@Override
	public synchronized void close() {
		if (!this.closed) {
			this.closed = true;
			this.workspaces.give(this.workspace);
		}
	}

}
