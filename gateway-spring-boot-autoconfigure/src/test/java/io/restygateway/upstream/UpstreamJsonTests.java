package io.restygateway.upstream;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class UpstreamJsonTests {

	@Test
	void readsJsonAsTheYamlFormIsRead() {
		UpstreamSpec spec = UpstreamJson.parse("shop", """
				{"balancer": "consistent-hash", "hash-key": ["header:X-User-Id", "ip"], "try": 2, "try-timeout": "1500ms",
				 "retry-on": ["connect-failure", "500-504"],
				 "levels": [{"servers": [{"host": "10.0.0.1", "port": 8080, "weight": 2, "max-fails": 3}]},
				            {"servers": [{"host": "10.0.1.1", "port": 8080}]}],
				 "health": {"active": {"type": "tcp", "interval": "5s"}, "passive": {"fail-timeout": "30s"},
				            "protected": false}}
				""");
		assertThat(spec.hashKey()).hasToString("header:X-User-Id, ip");
		assertThat(spec.tries()).isEqualTo(2);
		assertThat(spec.tryTimeout()).isEqualTo(Duration.ofMillis(1500));
		assertThat(spec.retryOn().statuses().contains(503)).isTrue();
		assertThat(spec.levels()).hasSize(2);
		assertThat(spec.levels().get(0).servers().get(0).maxFails()).isEqualTo(3);
		assertThat(spec.levels().get(1).servers().get(0).failTimeout()).isEqualTo(Duration.ofSeconds(30));
		assertThat(spec.active().interval()).isEqualTo(Duration.ofSeconds(5));
		assertThat(spec.protect()).isFalse();
	}

	@Test
	void camelCaseKeysAreReadToo() {
		UpstreamSpec spec = UpstreamJson.parse("shop", """
				{"tryTimeout": "2s", "levels": [{"servers": [{"host": "h", "port": 1, "maxFails": 0}]}]}
				""");
		assertThat(spec.tryTimeout()).isEqualTo(Duration.ofSeconds(2));
		assertThat(spec.levels().get(0).servers().get(0).maxFails()).isZero();
	}

	@Test
	void unknownFieldsAreNamed() {
		assertThatThrownBy(() -> UpstreamJson.parse("shop", "{\"levels\": [], \"weights\": 1}"))
			.isInstanceOfSatisfying(InvalidUpstreamException.class,
					ex -> assertThat(ex.field()).isEqualTo("weights"));
		assertThatThrownBy(() -> UpstreamJson.parse("shop",
				"{\"health\": {\"active\": {\"kind\": \"http\"}}, \"levels\": []}"))
			.isInstanceOfSatisfying(InvalidUpstreamException.class,
					ex -> assertThat(ex.field()).isEqualTo("health.active.kind"));
	}

}
