package io.restygateway.test;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Netty's leak detector at PARANOID level, with every leak it reports recorded so that a test can fail on it.
 *
 * <p>Installed as a JUnit {@link LauncherSessionListener} (through {@code META-INF/services}), which runs before any
 * test class loads Netty, because Netty creates its detectors once, when its buffer classes initialise.
 * {@link NettyLeakCheckExtension} then fails every test class after which a leak is reported.
 */
public final class NettyLeakDetection implements LauncherSessionListener {

	private static final Queue<String> leaks = new ConcurrentLinkedQueue<>();

	private static volatile boolean installed;

	@Override
	public void launcherSessionOpened(LauncherSession session) {
		install();
	}

	/** Install the recording detector factory and PARANOID level; idempotent. */
	public static synchronized void install() {
		if (installed) {
			return;
		}
		ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
		ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(new RecordingFactory());
		installed = true;
	}

	/**
	 * Collect garbage and make Netty's detectors look at what was collected, then take the leaks reported so far.
	 * @return the leak reports since the last call, each with its access records
	 */
	public static List<String> collectLeaks() {
		for (int round = 0; round < 3; round++) {
			System.gc();
			System.runFinalization();
			try {
				Thread.sleep(20);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			// A detector looks at its reference queue only when it tracks a new object: allocate a few.
			for (int i = 0; i < 16; i++) {
				release(PooledByteBufAllocator.DEFAULT.directBuffer(1));
				release(PooledByteBufAllocator.DEFAULT.heapBuffer(1));
				release(UnpooledByteBufAllocator.DEFAULT.directBuffer(1));
				release(UnpooledByteBufAllocator.DEFAULT.heapBuffer(1));
			}
		}
		List<String> found = new ArrayList<>();
		String leak;
		while ((leak = leaks.poll()) != null) {
			found.add(leak);
		}
		return found;
	}

	private static void release(ByteBuf buffer) {
		buffer.release();
	}

	private static final class RecordingFactory extends ResourceLeakDetectorFactory {

		@Override
		@SuppressWarnings("deprecation")
		public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval,
				long maxActive) {
			return new RecordingDetector<>(resource, samplingInterval);
		}

	}

	private static final class RecordingDetector<T> extends ResourceLeakDetector<T> {

		RecordingDetector(Class<?> resourceType, int samplingInterval) {
			super(resourceType, samplingInterval);
		}

		@Override
		protected void reportTracedLeak(String resourceType, String records) {
			leaks.add("LEAK: " + resourceType + " was not released before it was garbage-collected." + records);
			super.reportTracedLeak(resourceType, records);
		}

		@Override
		protected void reportUntracedLeak(String resourceType) {
			leaks.add("LEAK: " + resourceType + " was not released before it was garbage-collected (no records).");
			super.reportUntracedLeak(resourceType);
		}

	}

}
