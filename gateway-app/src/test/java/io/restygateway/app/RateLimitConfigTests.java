package io.restygateway.app;

import org.junit.jupiter.api.Test;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThatException;

/**
 * A rate-limit filter with bad arguments in YAML stops the start, and the message names the route, the filter and
 * the argument at fault.
 */
class RateLimitConfigTests {

	static void startWith(String filter, String... args) {
		String prefix = "--spring.cloud.gateway.server.webflux.routes[0].";
		String[] all = new String[args.length + 8];
		all[0] = "--server.port=0";
		all[1] = "--management.server.port=0";
		all[2] = "--resty.demo.enabled=false";
		all[3] = "--resty.startup-report.enabled=false";
		all[4] = prefix + "id=limited";
		all[5] = prefix + "uri=http://127.0.0.1:1";
		all[6] = prefix + "predicates[0]=Path=/limited/**";
		all[7] = prefix + "filters[0].name=" + filter;
		for (int i = 0; i < args.length; i++) {
			all[8 + i] = prefix + "filters[0].args." + args[i];
		}
		try (ConfigurableApplicationContext context = new SpringApplicationBuilder(GatewayApplication.class)
			.run(all)) {
			throw new AssertionError("started with bad arguments: " + String.join(" ", args));
		}
	}

	@Test
	void aRateThatIsNoRate() {
		assertThatException().isThrownBy(() -> startWith("LeakyBucket", "rate=ten per second"))
			.withStackTraceContaining("LeakyBucket on route 'limited': rate: 'ten per second' is not a rate");
	}

	@Test
	void aCostThatCanNeverPass() {
		assertThatException().isThrownBy(() -> startWith("LeakyBucket", "rate=10r/s", "burst=5", "cost=7"))
			.withStackTraceContaining("LeakyBucket on route 'limited': cost: a cost of 7 can never pass a burst of 5");
	}

	@Test
	void aDelayThatIsNeitherNodelayNorANumber() {
		assertThatException().isThrownBy(() -> startWith("LeakyBucket", "rate=10r/s", "delay=later"))
			.withStackTraceContaining("delay: 'later' is neither nodelay nor a number of requests");
	}

	@Test
	void aFailureModeThatIsNeitherAllowNorDeny() {
		assertThatException().isThrownBy(() -> startWith("LeakyBucket", "rate=10r/s", "on-redis-failure=maybe"))
			.withStackTraceContaining("on-redis-failure: 'maybe' is neither allow nor deny");
	}

	@Test
	void aBurstThatIsNoNumber() {
		assertThatException().isThrownBy(() -> startWith("LeakyBucket", "rate=10r/s", "burst=five"))
			.withStackTraceContaining("burst");
	}

	@Test
	void aTokenBucketWithoutCapacity() {
		assertThatException().isThrownBy(() -> startWith("TokenBucket", "interval=100ms", "capacity=0"))
			.withStackTraceContaining("TokenBucket on route 'limited': capacity: must be at least 1, was 0");
	}

	@Test
	void anUnknownRequestKey() {
		assertThatException().isThrownBy(() -> startWith("TokenBucket", "interval=100ms", "capacity=5", "key=ear"))
			.withStackTraceContaining("TokenBucket on route 'limited': key: 'ear' is not a request key");
	}

}
