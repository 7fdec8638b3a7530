package io.restygateway.config.redis;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import io.restygateway.config.LiveRoutes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

class RedisConfigAutoConfigurationTests {

	@Test
	void offUnlessEnabled() {
		new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(RedisConfigAutoConfiguration.class))
			.run(context -> {
				assertThat(context).doesNotHaveBean(RedisConfigSource.class);
				assertThat(context).doesNotHaveBean(LiveRoutes.class);
			});
	}

	@Test
	void offWhenTheGatewayIsOff() {
		new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(RedisConfigAutoConfiguration.class))
			.withPropertyValues("resty.enabled=false", "resty.redis-config.enabled=true")
			.run(context -> assertThat(context).doesNotHaveBean(RedisConfigSource.class));
	}

	@Test
	void thePrefixIsNeverEmpty() {
		assertThat(RedisConfigAutoConfiguration.prefix(" app:routes: ")).isEqualTo("app:routes:");
		assertThatIllegalStateException().isThrownBy(() -> RedisConfigAutoConfiguration.prefix(" "));
	}

	@Test
	void documentsAreNamedByHashAndField() {
		assertThat(RedisConfigSource.documentsPrefix("resty:config:") + "routes/shop")
			.isEqualTo("resty:config:documents#routes/shop");
	}

}
