package io.restygateway.ratelimit;

import java.time.Duration;

import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

import io.restygateway.ratelimit.Gcra.Limit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * The LeakyBucket filter's arguments: every error names the argument at fault (as written in YAML), {@code nodelay}
 * is a delay of the whole burst, and the fallback limit divides the rate and the burst among the instances.
 */
class LeakyBucketSettingsTests {

	private static LeakyBucketSettings settings(String rate, int burst, String delay, int cost) {
		return LeakyBucketSettings.of("z", rate, burst, delay, cost, Duration.ZERO, "allow");
	}

	private static void assertNamesField(String field, ThrowingCallable call) {
		InvalidRateLimitException ex = catchThrowableOfType(InvalidRateLimitException.class, call);
		assertThat(ex).as("%s is refused", field).isNotNull();
		assertThat(ex.field()).isEqualTo(field);
		assertThat(ex.getMessage()).startsWith(field + ": ").endsWith(ex.problem());
		assertThat(ex.problem()).isNotBlank();
	}

	@Test
	void validArgumentsBecomeAGcraLimit() {
		LeakyBucketSettings settings = LeakyBucketSettings.of("login", "10r/s", 5, "2", 1, Duration.ofSeconds(2),
				"deny");
		assertThat(settings.zone()).isEqualTo("login");
		assertThat(settings.rate()).hasToString("10r/s");
		assertThat(settings.limit()).isEqualTo(new Limit(100_000, 500_000, 5));
		assertThat(settings.delay()).isEqualTo(2);
		assertThat(settings.nodelay()).isFalse();
		assertThat(settings.delayText()).isEqualTo("2");
		assertThat(settings.cost()).isEqualTo(1);
		assertThat(settings.ban()).isEqualTo(2_000_000);
		assertThat(settings.failOpen()).isFalse();
	}

	@Test
	void theZoneMustNotBeEmpty() {
		assertNamesField("zone",
				() -> LeakyBucketSettings.of(null, "10r/s", 5, "nodelay", 1, Duration.ZERO, "allow"));
		assertNamesField("zone", () -> LeakyBucketSettings.of(" ", "10r/s", 5, "nodelay", 1, Duration.ZERO, "allow"));
	}

	@Test
	void theRateMustBeARate() {
		assertNamesField("rate", () -> settings("10 per second", 5, "nodelay", 1));
		assertNamesField("rate", () -> settings("0r/s", 5, "nodelay", 1));
		assertNamesField("rate", () -> settings(null, 5, "nodelay", 1));
		assertNamesField("rate", () -> settings("1r/h", 5, "nodelay", 1));
	}

	@Test
	void theBurstMustBeANumberOfRequestsThatFitsInTime() {
		assertNamesField("burst", () -> settings("10r/s", -1, "nodelay", 1));
		// One request every 5000 s: Integer.MAX_VALUE of them is more microseconds than a long holds.
		assertNamesField("burst", () -> settings("0.0002r/s", Integer.MAX_VALUE, "nodelay", 1));
		assertThat(settings("10r/s", 0, "nodelay", 1).limit().burst()).isZero();
	}

	@Test
	void theDelayIsNodelayOrANumberOfRequests() {
		assertNamesField("delay", () -> settings("10r/s", 5, "sometimes", 1));
		assertNamesField("delay", () -> settings("10r/s", 5, "-1", 1));
		assertNamesField("delay", () -> settings("10r/s", 5, "1.5", 1));
		assertThat(settings("10r/s", 5, " 0 ", 1).delay()).isZero();
	}

	@Test
	void theCostIsFromOneToBurstPlusOne() {
		assertNamesField("cost", () -> settings("10r/s", 5, "nodelay", 0));
		assertNamesField("cost", () -> settings("10r/s", 5, "nodelay", -3));
		// cost > burst + 1 could never pass.
		assertNamesField("cost", () -> settings("10r/s", 5, "nodelay", 7));
		assertNamesField("cost", () -> settings("10r/s", 0, "nodelay", 2));
		assertThat(settings("10r/s", 5, "nodelay", 6).cost()).isEqualTo(6);
		assertThat(settings("10r/s", 0, "nodelay", 1).cost()).isEqualTo(1);
	}

	@Test
	void theBanMustNotBeNegative() {
		assertNamesField("ban",
				() -> LeakyBucketSettings.of("z", "10r/s", 5, "nodelay", 1, Duration.ofMillis(-1), "allow"));
		assertNamesField("ban", () -> LeakyBucketSettings.of("z", "10r/s", 5, "nodelay", 1, null, "allow"));
		assertThat(LeakyBucketSettings.of("z", "10r/s", 5, "nodelay", 1, Duration.ofNanos(1500), "allow").ban())
			.as("microseconds, rounded down")
			.isEqualTo(1);
	}

	@Test
	void onRedisFailureIsAllowOrDeny() {
		assertNamesField("on-redis-failure",
				() -> LeakyBucketSettings.of("z", "10r/s", 5, "nodelay", 1, Duration.ZERO, "maybe"));
		assertThat(LeakyBucketSettings.of("z", "10r/s", 5, "nodelay", 1, Duration.ZERO, null).failOpen())
			.as("allow by default")
			.isTrue();
		assertThat(LeakyBucketSettings.of("z", "10r/s", 5, "nodelay", 1, Duration.ZERO, " Allow ").failOpen())
			.isTrue();
		assertThat(LeakyBucketSettings.of("z", "10r/s", 5, "nodelay", 1, Duration.ZERO, "DENY").failOpen()).isFalse();
	}

	@Test
	void nodelayMeansADelayOfTheWholeBurst() {
		LeakyBucketSettings nodelay = settings("10r/s", 5, "nodelay", 1);
		assertThat(nodelay.nodelay()).isTrue();
		assertThat(nodelay.delay()).isEqualTo(5);
		assertThat(nodelay.delayText()).isEqualTo("nodelay");
		assertThat(settings("10r/s", 5, " NoDelay ", 1).delay()).isEqualTo(5);
		assertThat(settings("10r/s", 5, null, 1).nodelay()).as("nodelay by default").isTrue();
		LeakyBucketSettings zero = settings("10r/s", 5, "0", 1);
		assertThat(zero.nodelay()).isFalse();
		assertThat(zero.delay()).isZero();
	}

	@Test
	void theFallbackLimitDividesTheRateAndTheBurstAmongTheInstances() {
		LeakyBucketSettings settings = settings("10r/s", 5, "nodelay", 1);
		assertThat(settings.fallbackLimit(1)).isEqualTo(settings.limit());
		assertThat(settings.fallbackLimit(0)).as("at least one instance").isEqualTo(settings.limit());
		assertThat(settings.fallbackLimit(-4)).isEqualTo(settings.limit());
		// 5r/s with a burst of 2 (5 / 2 rounded down).
		assertThat(settings.fallbackLimit(2)).isEqualTo(new Limit(200_000, 400_000, 2));
		assertThat(settings.fallbackLimit(5)).isEqualTo(new Limit(500_000, 500_000, 1));
		assertThat(settings.fallbackLimit(10)).isEqualTo(new Limit(1_000_000, 0, 0));
	}

	@Test
	void theFallbackBurstIsNeverBelowWhatOneRequestCosts() {
		LeakyBucketSettings settings = settings("10r/s", 5, "nodelay", 3);
		assertThat(settings.fallbackLimit(2)).isEqualTo(new Limit(200_000, 400_000, 2));
		assertThat(settings.fallbackLimit(10)).isEqualTo(new Limit(1_000_000, 2_000_000, 2));
		assertThat(settings.fallbackLimit(10).admits(3)).isTrue();
		LeakyBucketSettings dearest = settings("10r/s", 5, "nodelay", 6);
		assertThat(dearest.fallbackLimit(3)).isEqualTo(new Limit(300_000, 1_500_000, 5));
		assertThat(dearest.fallbackLimit(3).admits(6)).isTrue();
	}

}
