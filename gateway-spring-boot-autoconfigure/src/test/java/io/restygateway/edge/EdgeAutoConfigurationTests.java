package io.restygateway.edge;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.cloud.gateway.filter.factory.RequestSizeGatewayFilterFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Where the replacement of {@code RequestSize} stays out of the way. That it takes the place of Spring Cloud
 * Gateway's own bean is shown on the running app (gateway-app's {@code RequestSizeTests}).
 */
class EdgeAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(EdgeAutoConfiguration.class));

	@Test
	void aRequestSizeFactoryOfTheApplicationsOwnUnderTheSameNameIsLeftAsItIs() {
		this.runner.withUserConfiguration(OwnFactory.class).run(context -> {
			assertThat(context).hasSingleBean(RequestSizeFilterReplacement.class);
			assertThat(context.getBean(RequestSizeFilterReplacement.BEAN))
				.isExactlyInstanceOf(RequestSizeGatewayFilterFactory.class);
		});
	}

	@Test
	void withoutSpringCloudGatewaysFactoryNoneIsAdded() {
		this.runner.run(context -> assertThat(context).doesNotHaveBean(RequestSizeFilterReplacement.BEAN));
	}

	@Test
	void restyDisabledBacksOff() {
		this.runner.withPropertyValues("resty.enabled=false")
			.run(context -> assertThat(context).doesNotHaveBean(RequestSizeFilterReplacement.class));
	}

	@Configuration(proxyBeanMethods = false)
	static class OwnFactory {

		@Bean
		RequestSizeGatewayFilterFactory requestSizeGatewayFilterFactory() {
			return new RequestSizeGatewayFilterFactory();
		}

	}

}
