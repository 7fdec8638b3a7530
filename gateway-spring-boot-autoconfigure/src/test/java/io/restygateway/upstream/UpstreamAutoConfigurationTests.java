package io.restygateway.upstream;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

class UpstreamAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(UpstreamAutoConfiguration.class));

	@Test
	void loadsTheUpstreamsOfTheConfiguration() {
		this.runner
			.withPropertyValues("resty.upstreams.shop.levels[0].servers[0].host=127.0.0.1",
					"resty.upstreams.shop.levels[0].servers[0].port=9001",
					"resty.upstreams.shop.levels[0].servers[0].weight=2",
					"resty.upstreams.shop.levels[1].servers[0].host=127.0.0.1",
					"resty.upstreams.shop.levels[1].servers[0].port=9002", "resty.upstreams.shop.try=3",
					"resty.upstreams.shop.health.protected=false", "resty.upstreams.shop.retry-on=connect-failure,503")
			.run(context -> {
				UpstreamRegistry registry = context.getBean(UpstreamRegistry.class);
				assertThat(registry.names()).containsExactly("shop");
				UpstreamSpec spec = registry.get("shop").spec();
				assertThat(spec.levels()).hasSize(2);
				assertThat(spec.tries()).isEqualTo(3);
				assertThat(spec.protect()).isFalse();
				assertThat(spec.retryOn().statuses().contains(503)).isTrue();
				assertThat(spec.retryOn().timeout()).isFalse();
				assertThat(context.getBean("upstreamsReport", io.restygateway.core.RestyFeatureReport.class).line())
					.isEqualTo("upstreams: shop (round-robin, 2 level(s), 2 server(s))");
			});
	}

	@Test
	void anInvalidUpstreamStopsTheStartNamingTheProperty() {
		this.runner
			.withPropertyValues("resty.upstreams.shop.levels[0].servers[0].host=127.0.0.1",
					"resty.upstreams.shop.levels[0].servers[0].port=70000")
			.run(context -> assertThat(context.getStartupFailure())
				.hasStackTraceContaining("resty.upstreams.shop.levels[0].servers[0].port: must be between 1 and 65535"));
	}

	@Test
	void backsOffWhenDisabledAndForTheUsersOwnRegistry() {
		this.runner.withPropertyValues("resty.upstream.enabled=false")
			.run(context -> assertThat(context).doesNotHaveBean(UpstreamRegistry.class));
		UpstreamRegistry mine = new UpstreamRegistry();
		this.runner.withBean(UpstreamRegistry.class, () -> mine)
			.run(context -> assertThat(context.getBean(UpstreamRegistry.class)).isSameAs(mine));
	}

}
