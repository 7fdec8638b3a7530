package io.restygateway.config.sync;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link VersionedSync} driven by hand: polls are run by the test (a scheduler that only records the task), time is
 * a fixed clock moved by the test, nothing sleeps. The counters mirror lua-resty-sync's {@code t/sanity.t}: the data
 * is read once per version, never per poll.
 */
class VersionedSyncTests {

	final AtomicReference<String> version = new AtomicReference<>();

	final AtomicReference<String> stored = new AtomicReference<>("a");

	final AtomicInteger versionReads = new AtomicInteger();

	final AtomicInteger fetches = new AtomicInteger();

	final List<String> applied = new ArrayList<>();

	final AtomicReference<RuntimeException> fetchFailure = new AtomicReference<>();

	final AtomicReference<RuntimeException> consumerFailure = new AtomicReference<>();

	Instant now = Instant.parse("2026-01-01T00:00:00Z");

	final Clock clock = new Clock() {
		@Override
		public ZoneOffset getZone() {
			return ZoneOffset.UTC;
		}

		@Override
		public Clock withZone(java.time.ZoneId zone) {
			return this;
		}

		@Override
		public Instant instant() {
			return VersionedSyncTests.this.now;
		}
	};

	VersionedSync<String, String> sync = VersionedSync.<String, String>builder(() -> {
		this.versionReads.incrementAndGet();
		return this.version.get();
	}, v -> {
		this.fetches.incrementAndGet();
		RuntimeException failure = this.fetchFailure.get();
		if (failure != null) {
			throw failure;
		}
		return this.stored.get();
	}, (v, data) -> {
		RuntimeException failure = this.consumerFailure.get();
		if (failure != null) {
			throw failure;
		}
		this.applied.add(v + "=" + data);
	}).clock(this.clock).interval(Duration.ofMillis(250)).build();

	void advance(Duration by) {
		this.now = this.now.plus(by);
	}

	@Test
	void fetchesOnlyWhenTheVersionChanges() {
		this.version.set("1");
		assertThat(this.sync.poll()).isTrue();
		for (int i = 0; i < 5; i++) {
			advance(Duration.ofSeconds(1));
			assertThat(this.sync.poll()).isFalse();
		}
		assertThat(this.versionReads).hasValue(6);
		assertThat(this.fetches).hasValue(1);
		assertThat(this.applied).containsExactly("1=a");
		assertThat(this.sync.state().lastApplied()).isEqualTo(Instant.parse("2026-01-01T00:00:00Z"));
		assertThat(this.sync.state().lastPoll()).isEqualTo(Instant.parse("2026-01-01T00:00:05Z"));

		// Data written without a version bump is not seen: the version is the contract.
		this.stored.set("b");
		assertThat(this.sync.poll()).isFalse();
		this.version.set("2");
		assertThat(this.sync.poll()).isTrue();
		assertThat(this.fetches).hasValue(2);
		assertThat(this.applied).containsExactly("1=a", "2=b");
		assertThat(this.sync.data()).contains("b");
		assertThat(this.sync.version()).contains("2");
		assertThat(this.sync.state().polls()).isEqualTo(8);
		assertThat(this.sync.state().fetches()).isEqualTo(2);
	}

	@Test
	void anyDifferentVersionCounts_evenALowerOne() {
		this.version.set("9");
		this.sync.poll();
		// A store restored from an older snapshot: lower, but different, so read.
		this.version.set("3");
		this.stored.set("old");
		assertThat(this.sync.poll()).isTrue();
		assertThat(this.applied).containsExactly("9=a", "3=old");
	}

	@Test
	void noVersionPublished_fetchesNothingAndKeepsWhatWasApplied() {
		assertThat(this.sync.poll()).isFalse();
		assertThat(this.fetches).hasValue(0);
		assertThat(this.sync.state().published()).isFalse();
		assertThat(this.sync.state().lastError()).isNull();
		assertThat(this.sync.data()).isEmpty();

		this.version.set("1");
		this.sync.poll();
		// The version key vanished (a flushed store): keep serving what we have.
		this.version.set(null);
		assertThat(this.sync.poll()).isFalse();
		assertThat(this.sync.data()).contains("a");
		assertThat(this.sync.state().version()).isEqualTo("1");
		assertThat(this.sync.state().published()).isFalse();
	}

	@Test
	void fetchFailure_keepsTheLastGoodDataAndRetriesAtTheNextPoll() {
		this.version.set("1");
		this.sync.poll();
		Instant appliedAt = this.now;

		this.version.set("2");
		this.stored.set("b");
		this.fetchFailure.set(new IllegalStateException("connection reset"));
		for (int i = 1; i <= 3; i++) {
			advance(Duration.ofSeconds(1));
			assertThatThrownBy(this.sync::poll).hasMessage("connection reset");
			VersionedSync.State state = this.sync.state();
			assertThat(state.consecutiveFailures()).isEqualTo(i);
			assertThat(state.lastError()).isEqualTo("connection reset");
			assertThat(state.version()).isEqualTo("1");
			assertThat(state.lastApplied()).isEqualTo(appliedAt);
			assertThat(state.lastSuccess()).isEqualTo(appliedAt);
			assertThat(this.sync.data()).contains("a");
		}
		assertThat(this.fetches).hasValue(4);

		// Recovery: the version still differs from the one applied, so the next poll reads it.
		this.fetchFailure.set(null);
		advance(Duration.ofSeconds(1));
		assertThat(this.sync.poll()).isTrue();
		VersionedSync.State state = this.sync.state();
		assertThat(state.consecutiveFailures()).isZero();
		assertThat(state.failures()).isEqualTo(3);
		assertThat(state.lastError()).isNull();
		assertThat(state.version()).isEqualTo("2");
		assertThat(state.lastApplied()).isEqualTo(this.now);
		assertThat(this.applied).containsExactly("1=a", "2=b");
	}

	@Test
	void versionFailure_isAFailureToo() {
		VersionedSync<String, String> broken = VersionedSync.<String, String>builder(() -> {
			throw new IllegalStateException("Redis is away");
		}, v -> "never", (v, data) -> {
		}).clock(this.clock).build();
		assertThatThrownBy(broken::poll).hasMessage("Redis is away");
		assertThat(broken.state().consecutiveFailures()).isEqualTo(1);
		assertThat(broken.state().lastSuccess()).isNull();
		assertThat(broken.state().fetches()).isZero();
	}

	@Test
	void consumerFailure_keepsTheLastGoodDataAndVersion() {
		this.version.set("1");
		this.sync.poll();
		this.version.set("2");
		this.stored.set("bad");
		this.consumerFailure.set(new IllegalArgumentException("refused"));
		assertThatThrownBy(this.sync::poll).hasMessage("refused");
		assertThat(this.sync.data()).contains("a");
		assertThat(this.sync.version()).contains("1");
		assertThat(this.sync.state().lastError()).isEqualTo("refused");

		// Fixed under a new version: applied.
		this.consumerFailure.set(null);
		this.version.set("3");
		this.stored.set("good");
		assertThat(this.sync.poll()).isTrue();
		assertThat(this.applied).containsExactly("1=a", "3=good");
		assertThat(this.sync.state().consecutiveFailures()).isZero();
	}

	@Test
	void scheduledPollsRunOnTheSchedulerAndAFailureDoesNotStopThem() throws Exception {
		AtomicReference<Runnable> task = new AtomicReference<>();
		AtomicReference<Duration> every = new AtomicReference<>();
		AtomicInteger stopped = new AtomicInteger();
		VersionedSync<String, String> scheduled = VersionedSync.<String, String>builder(this.version::get, v -> {
			RuntimeException failure = this.fetchFailure.get();
			if (failure != null) {
				throw failure;
			}
			return this.stored.get();
		}, (v, data) -> this.applied.add(v + "=" + data)).clock(this.clock).interval(Duration.ofSeconds(2))
			.scheduler((poll, interval) -> {
				task.set(poll);
				every.set(interval);
				return stopped::incrementAndGet;
			})
			.build();
		scheduled.start();
		scheduled.start();
		assertThat(every).hasValue(Duration.ofSeconds(2));
		assertThat(scheduled.isRunning()).isTrue();
		assertThat(scheduled.awaitFirstPoll(Duration.ZERO)).isFalse();

		this.version.set("1");
		this.fetchFailure.set(new IllegalStateException("timeout"));
		task.get().run();
		assertThat(scheduled.awaitFirstPoll(Duration.ZERO)).isTrue();
		assertThat(scheduled.state().consecutiveFailures()).isEqualTo(1);
		this.fetchFailure.set(null);
		task.get().run();
		assertThat(this.applied).containsExactly("1=a");

		scheduled.close();
		scheduled.close();
		assertThat(stopped).hasValue(1);
		assertThat(scheduled.isRunning()).isFalse();
		assertThat(scheduled.data()).contains("a");
	}

	@Test
	void theDefaultSchedulerPollsOnItsOwnDaemonThread() throws Exception {
		AtomicReference<Thread> pollThread = new AtomicReference<>();
		this.version.set("1");
		VersionedSync<String, String> threaded = VersionedSync.<String, String>builder(() -> {
			pollThread.set(Thread.currentThread());
			return this.version.get();
		}, v -> this.stored.get(), (v, data) -> {
		}).name("test-sync").interval(Duration.ofMillis(10)).build();
		threaded.start();
		try {
			assertThat(threaded.awaitFirstPoll(Duration.ofSeconds(5))).isTrue();
			assertThat(pollThread.get().getName()).isEqualTo("test-sync");
			assertThat(pollThread.get().isDaemon()).isTrue();
			assertThat(threaded.data()).contains("a");
		}
		finally {
			threaded.close();
		}
	}

	@Test
	void intervalMustBePositive() {
		assertThatThrownBy(() -> VersionedSync.builder(() -> "v", v -> "d", (v, d) -> {
		}).interval(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("interval");
	}

}
