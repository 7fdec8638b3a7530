package io.restygateway.core;

import java.util.List;

import org.junit.jupiter.api.Test;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.ReactiveHealthIndicator;
import org.springframework.boot.health.contributor.Status;

import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThat;

class DegradedHealthTests {

	private final DegradedHealth degraded = new DegradedHealth(List.of("redis", "Consul"));

	@Test
	void downBecomesDegradedWithItsDetailsKept() {
		Health down = Health.down().withDetail("error", "Connection refused").build();
		Health result = DegradedHealth.degrade(down);
		assertThat(result.getStatus()).isEqualTo(DegradedHealth.DEGRADED);
		assertThat(result.getDetails()).containsEntry("error", "Connection refused");
	}

	@Test
	void otherStatusesAreLeftAlone() {
		Health up = Health.up().withDetail("version", "7.2").build();
		assertThat(DegradedHealth.degrade(up)).isSameAs(up);
		Health out = Health.outOfService().build();
		assertThat(DegradedHealth.degrade(out)).isSameAs(out);
	}

	@Test
	void wrapsOnlyTheNamedDependencies() {
		ReactiveHealthIndicator redis = () -> Mono.just(Health.down().build());
		HealthIndicator consul = () -> Health.down().build();
		HealthIndicator disk = () -> Health.down().build();

		Object wrappedRedis = this.degraded.postProcessAfterInitialization(redis, "redisHealthContributor");
		Object wrappedConsul = this.degraded.postProcessAfterInitialization(consul, "consulHealthIndicator");
		Object untouchedDisk = this.degraded.postProcessAfterInitialization(disk, "diskSpaceHealthIndicator");
		Object untouchedOther = this.degraded.postProcessAfterInitialization("x", "redisTemplate");

		assertThat(((ReactiveHealthIndicator) wrappedRedis).health().block().getStatus())
			.isEqualTo(DegradedHealth.DEGRADED);
		assertThat(((HealthIndicator) wrappedConsul).health().getStatus()).isEqualTo(DegradedHealth.DEGRADED);
		assertThat(untouchedDisk).isSameAs(disk);
		assertThat(((HealthIndicator) untouchedDisk).health().getStatus()).isEqualTo(Status.DOWN);
		assertThat(untouchedOther).isEqualTo("x");
	}

}
