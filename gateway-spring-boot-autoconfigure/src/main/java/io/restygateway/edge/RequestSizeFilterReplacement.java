package io.restygateway.edge;

import org.springframework.beans.BeansException;
import org.springframework.beans.factory.annotation.AnnotatedBeanDefinition;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.BeanDefinitionRegistryPostProcessor;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.core.type.MethodMetadata;

/**
 * Puts {@link StreamedRequestSizeGatewayFilterFactory} where Spring Cloud Gateway's auto-configuration declared its
 * {@code RequestSize} factory, under the same bean name. Nothing happens where SCG declared none (the filter switched
 * off with {@code spring.cloud.gateway.server.webflux.filter.request-size.enabled=false}) or where the bean of that
 * name is the application's own.
 */
final class RequestSizeFilterReplacement implements BeanDefinitionRegistryPostProcessor {

	static final String BEAN = "requestSizeGatewayFilterFactory";

	private static final String SCG_CONFIGURATION = "org.springframework.cloud.gateway.config.GatewayAutoConfiguration";

	@Override
	public void postProcessBeanDefinitionRegistry(BeanDefinitionRegistry registry) throws BeansException {
		if (!registry.containsBeanDefinition(BEAN) || !declaredBySpringCloudGateway(registry.getBeanDefinition(BEAN))) {
			return;
		}
		registry.removeBeanDefinition(BEAN);
		registry.registerBeanDefinition(BEAN, new RootBeanDefinition(StreamedRequestSizeGatewayFilterFactory.class));
	}

	@Override
	public void postProcessBeanFactory(ConfigurableListableBeanFactory beanFactory) throws BeansException {
	}

	static boolean declaredBySpringCloudGateway(BeanDefinition definition) {
		if (!(definition instanceof AnnotatedBeanDefinition annotated)) {
			return false;
		}
		MethodMetadata method = annotated.getFactoryMethodMetadata();
		return method != null && method.getDeclaringClassName().startsWith(SCG_CONFIGURATION);
	}

}
