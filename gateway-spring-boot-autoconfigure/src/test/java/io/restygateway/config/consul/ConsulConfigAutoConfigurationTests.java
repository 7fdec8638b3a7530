package io.restygateway.config.consul;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.mock.env.MockEnvironment;

import io.restygateway.config.LiveRoutes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

class ConsulConfigAutoConfigurationTests {

	@Test
	void offUnlessEnabled() {
		new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(ConsulConfigAutoConfiguration.class))
			.run(context -> {
				assertThat(context).doesNotHaveBean(ConsulConfigSource.class);
				assertThat(context).doesNotHaveBean(LiveRoutes.class);
			});
	}

	@Test
	void theAgentIsSpringCloudConsuls() {
		assertThat(ConsulConfigAutoConfiguration.agent(new MockEnvironment())).hasToString("http://localhost:8500");
		MockEnvironment environment = new MockEnvironment().withProperty("spring.cloud.consul.host", "consul.internal")
			.withProperty("spring.cloud.consul.port", "8501")
			.withProperty("spring.cloud.consul.scheme", "https")
			.withProperty("spring.cloud.consul.path", "/proxy/");
		assertThat(ConsulConfigAutoConfiguration.agent(environment)).hasToString("https://consul.internal:8501/proxy");
	}

	@Test
	void theTokenIsLookedUpAsSpringCloudConsulDoes() {
		MockEnvironment environment = new MockEnvironment().withProperty("spring.cloud.consul.token", "secret");
		assertThat(environment.resolvePlaceholders(ConsulConfigAutoConfiguration.TOKEN)).isEqualTo("secret");
		assertThat(new MockEnvironment().resolvePlaceholders(ConsulConfigAutoConfiguration.TOKEN)).isEmpty();
	}

	@Test
	void thePrefixEndsWithASlashAndIsNeverEmpty() {
		assertThat(ConsulConfigAutoConfiguration.prefix("/resty")).isEqualTo("resty/");
		assertThat(ConsulConfigAutoConfiguration.prefix("a/b/")).isEqualTo("a/b/");
		assertThatIllegalStateException().isThrownBy(() -> ConsulConfigAutoConfiguration.prefix("/"));
	}

}
