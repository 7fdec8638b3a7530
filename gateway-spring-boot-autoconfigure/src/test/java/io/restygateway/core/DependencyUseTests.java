package io.restygateway.core;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class DependencyUseTests {

	private static DependencyUse use(Map<String, String> properties, String... imports) {
		return DependencyUse.from(properties::get, List.of(imports));
	}

	@Test
	void nothingConfiguredMeansNothingInUse() {
		assertThat(use(Map.of())).isEqualTo(new DependencyUse(false, false));
	}

	@Test
	void anyRedisConnectionSettingMeansRedisInUse() {
		assertThat(use(Map.of("spring.data.redis.host", "10.0.0.5")).redis()).isTrue();
		assertThat(use(Map.of("spring.data.redis.url", "redis://r:6379")).redis()).isTrue();
		assertThat(use(Map.of("spring.data.redis.cluster.nodes", "a:1,b:2")).redis()).isTrue();
		assertThat(use(Map.of("spring.data.redis.cluster.nodes[0]", "a:1")).redis()).as("nodes as a YAML list").isTrue();
		assertThat(use(Map.of("spring.data.redis.sentinel.master", "m")).redis()).isTrue();
		assertThat(use(Map.of("resty.rate-limit.store", "redis")).redis()).isTrue();
	}

	@Test
	void blankOrUnrelatedRedisSettingsDoNotCount() {
		assertThat(use(Map.of("spring.data.redis.host", " ")).redis()).isFalse();
		assertThat(use(Map.of("spring.data.redis.port", "6380")).redis()).isFalse();
		assertThat(use(Map.of("resty.rate-limit.store", "memory")).redis()).isFalse();
	}

	@Test
	void aConsulImportOrSwitchMeansConsulInUse() {
		assertThat(use(Map.of(), "optional:consul:").consul()).isTrue();
		assertThat(use(Map.of(), "classpath:extra.yml, consul:agent:8500").consul()).isTrue();
		assertThat(use(Map.of("resty.consul.enabled", "true")).consul()).isTrue();
		assertThat(use(Map.of("spring.cloud.consul.enabled", "true")).consul()).isTrue();
		assertThat(use(Map.of(), "optional:file:./consul.yml").consul()).isFalse();
		assertThat(use(Map.of("resty.consul.enabled", "false")).consul()).isFalse();
	}

}
