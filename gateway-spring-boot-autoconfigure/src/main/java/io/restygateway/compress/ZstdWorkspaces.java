package io.restygateway.compress;

import java.nio.ByteBuffer;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDictCompress;
import org.jspecify.annotations.Nullable;

/**
 * Idle zstd compression contexts and their output buffers, kept for the next answer: making a context, and its window
 * and tables on first use, costs more than compressing a small answer, and a new direct buffer per answer is zeroed
 * and registered with the cleaner each time. A context given back is reset ({@code ZSTD_CCtx_reset} of the session and
 * the parameters, which also lets go of its dictionary), and set to the level and dictionary of the answer that takes
 * it. At most {@code maxIdle} contexts are kept; beyond, a finished context is freed. (nginx keeps one per worker for
 * the same reason; here answers on every event loop may compress at once.)
 */
final class ZstdWorkspaces {

	/** Shared by every Zstd filter and the zstd body encoder: at most two idle contexts per core, at least 4. */
	static final ZstdWorkspaces SHARED = new ZstdWorkspaces(Math.max(4, 2 * Runtime.getRuntime().availableProcessors()));

	/** One context and the buffers that go with it. */
	static final class Workspace {

		final ZstdCompressCtx context = new ZstdCompressCtx();

		/** zstd's recommended ZSTD_CStreamOutSize: a block and its header. */
		final ByteBuffer output = ByteBuffer.allocateDirect(ZstdStreamEncoder.OUTPUT_SIZE);

		private @Nullable ByteBuffer scratch;

		/** @return a direct buffer to copy heap chunks through, made on first use */
		ByteBuffer scratch() {
			ByteBuffer direct = this.scratch;
			if (direct == null) {
				direct = ByteBuffer.allocateDirect(64 * 1024);
				this.scratch = direct;
			}
			return direct;
		}

	}

	private final int maxIdle;

	private final Queue<Workspace> idle = new ConcurrentLinkedQueue<>();

	private final AtomicInteger idleCount = new AtomicInteger();

	private final LongAdder made = new LongAdder();

	ZstdWorkspaces(int maxIdle) {
		this.maxIdle = maxIdle;
	}

	/**
	 * @param level the compression level
	 * @param dictionary the dictionary, or null
	 * @return a context ready for a new frame at that level with that dictionary: an idle one, or a new one
	 */
	Workspace take(int level, @Nullable ZstdDictCompress dictionary) {
		Workspace workspace = this.idle.poll();
		if (workspace != null) {
			this.idleCount.decrementAndGet();
		}
		else {
			this.made.increment();
			workspace = new Workspace();
		}
		try {
			workspace.context.setLevel(level);
			if (dictionary != null) {
				workspace.context.loadDict(dictionary);
			}
		}
		catch (RuntimeException ex) {
			workspace.context.close();
			throw ex;
		}
		return workspace;
	}

	/**
	 * Keep a context for the next answer, or free it when enough are kept. The caller must not use it afterwards.
	 * @param workspace the context, in any state (a frame left unfinished by a client that left, an error)
	 */
	void give(Workspace workspace) {
		try {
			// Forget the frame, any error, the parameters and the dictionary, whether it is kept or not.
			workspace.context.reset();
		}
		catch (RuntimeException ex) {
			workspace.context.close();
			return;
		}
		if (this.idleCount.incrementAndGet() <= this.maxIdle) {
			this.idle.offer(workspace);
		}
		else {
			this.idleCount.decrementAndGet();
			workspace.context.close();
		}
	}

	/** @return the contexts kept idle now */
	int idle() {
		return this.idleCount.get();
	}

	/** @return the contexts made since the start: they are made only when none is idle */
	long made() {
		return this.made.sum();
	}

}
