package io.restygateway.test;

import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Proves the harness catches a leak: without this, a silent detector would pass every build.
 */
class NettyLeakDetectionTests {

	@Test
	void runsAtParanoidLevel() {
		assertThat(ResourceLeakDetector.getLevel()).isEqualTo(ResourceLeakDetector.Level.PARANOID);
	}

	@Test
	void aBufferDroppedWithoutReleaseIsReported() {
		NettyLeakDetection.collectLeaks();
		leakOne();
		List<String> leaks = NettyLeakDetection.collectLeaks();
		assertThat(leaks).anySatisfy(leak -> assertThat(leak).contains("LEAK").contains("leakOne"));
	}

	@Test
	void releasedBuffersAreNotReported() {
		NettyLeakDetection.collectLeaks();
		ByteBuf buffer = PooledByteBufAllocator.DEFAULT.directBuffer(64);
		buffer.writeLong(42);
		buffer.release();
		assertThat(NettyLeakDetection.collectLeaks()).isEmpty();
	}

	private static void leakOne() {
		ByteBuf buffer = PooledByteBufAllocator.DEFAULT.directBuffer(64);
		buffer.writeLong(42);
		buffer.readLong();
	}

}
