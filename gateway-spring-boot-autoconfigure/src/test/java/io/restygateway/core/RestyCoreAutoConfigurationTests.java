package io.restygateway.core;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.StandardEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

class RestyCoreAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(RestyCoreAutoConfiguration.class));

	@Test
	void providesTheReportAndDegradedHealthByDefault() {
		this.runner.run(context -> {
			assertThat(context).hasSingleBean(RestyStartupReporter.class);
			assertThat(context).hasSingleBean(DegradedHealth.class);
			assertThat(context).hasBean("restyDependenciesReport");
			assertThat(context.getBean(RestyProperties.class).isEnabled()).isTrue();
		});
	}

	@Test
	void backsOffEntirelyWhenDisabled() {
		this.runner.withPropertyValues("resty.enabled=false").run(context -> {
			assertThat(context).doesNotHaveBean(RestyStartupReporter.class);
			assertThat(context).doesNotHaveBean(DegradedHealth.class);
			assertThat(context).doesNotHaveBean(RestyProperties.class);
		});
	}

	@Test
	void eachPartHasItsOwnSwitch() {
		this.runner.withPropertyValues("resty.startup-report.enabled=false", "resty.health.enabled=false")
			.run(context -> {
				assertThat(context).doesNotHaveBean(RestyStartupReporter.class);
				assertThat(context).doesNotHaveBean(DegradedHealth.class);
				assertThat(context).hasBean("restyDependenciesReport");
			});
	}

	@Test
	void backsOffForTheUsersOwnBeans() {
		this.runner.withUserConfiguration(OwnBeans.class).run(context -> {
			assertThat(context).hasSingleBean(RestyStartupReporter.class);
			assertThat(context.getBean(RestyStartupReporter.class)).isSameAs(OwnBeans.REPORTER);
			assertThat(context.getBean("restyDependenciesReport", RestyFeatureReport.class).line())
				.isEqualTo("mine");
		});
	}

	@Test
	void theDependencyLineSaysWhatIsConfigured() {
		this.runner.withPropertyValues("spring.data.redis.url=redis://user:secret@cache:6380")
			.run(context -> assertThat(context.getBean("restyDependenciesReport", RestyFeatureReport.class).line())
				.isEqualTo("redis: configured, redis://***@cache:6380; consul: not configured (its health does not count)"));
	}

	@Test
	void theReportHasOneLinePerFeature() {
		this.runner.withBean("aFeature", RestyFeatureReport.class, () -> () -> "zstd: on, level 1")
			.run(context -> assertThat(context.getBean(RestyStartupReporter.class).lines()).satisfiesExactly(
					line -> assertThat(line).isEqualTo("Resty Gateway"),
					line -> assertThat(line).isEqualTo("  redis: not configured (its health does not count); "
							+ "consul: not configured (its health does not count)"),
					line -> assertThat(line).startsWith("  netty: ").contains(" event loop(s), "),
					line -> assertThat(line).isEqualTo("  zstd: on, level 1")));
	}

	@Test
	void theUpstreamChunkSizeIs64KiBUnlessSetAndABadOneIsRefusedByName() {
		this.runner.run(context -> assertThat(
				context.getBean("restyUpstreamChunkSize", UpstreamChunkSize.class).maxChunkSize()).isEqualTo(65536));
		this.runner.withPropertyValues("resty.netty.upstream-max-chunk-size=256KB")
			.run(context -> assertThat(
					context.getBean("restyUpstreamChunkSize", UpstreamChunkSize.class).maxChunkSize())
				.isEqualTo(262144));
		this.runner.withPropertyValues("resty.netty.upstream-max-chunk-size=0B")
			.run(context -> assertThat(context).getFailure()
				.rootCause()
				.hasMessageContaining("resty.netty.upstream-max-chunk-size must be between 1B and 2GB, was 0B"));
	}

	@Configuration(proxyBeanMethods = false)
	static class OwnBeans {

		static final RestyStartupReporter REPORTER = new RestyStartupReporter(null, new StandardEnvironment());

		@Bean
		RestyStartupReporter myReporter() {
			return REPORTER;
		}

		@Bean
		RestyFeatureReport restyDependenciesReport() {
			return () -> "mine";
		}

	}

}
