package io.restygateway.core;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.Environment;
import org.springframework.core.env.MapPropertySource;

/**
 * Lowest-precedence defaults that make a gateway with the starter start and report UP with nothing else installed.
 *
 * <ul>
 * <li>Consul not configured: {@code spring.cloud.consul.enabled=false}. Spring Cloud Consul Config would otherwise
 * refuse to start without a {@code consul:} import, and its health indicator would report DOWN for an agent nobody
 * asked for.</li>
 * <li>Consul in use without a {@code consul:} config import (the live source, {@code resty.consul.enabled=true},
 * alone): {@code spring.cloud.consul.config.enabled=false}. The live source reads its own keys; Spring Cloud Consul
 * Config would otherwise refuse to start for want of an import, and run a watch nobody asked for.</li>
 * <li>Redis not configured: {@code management.health.redis.enabled=false}, so that the health of a Redis nobody
 * configured does not count.</li>
 * <li>The health status order knows {@link DegradedHealth#DEGRADED}: a configured dependency that is down, while the
 * gateway still serves, makes the whole DEGRADED (HTTP 200), not DOWN.</li>
 * </ul>
 * Every default yields to any value the user sets anywhere. It runs after the config data files are loaded (so it
 * sees {@code application.yml}, the command line, the environment and {@code spring.config.import}) and before Spring
 * Cloud Consul's import check. What is decided here is decided once: a property added later, by an
 * {@code ApplicationContextInitializer} or a test's {@code @DynamicPropertySource}, does not change it.
 */
public class RestyEnvironmentPostProcessor implements EnvironmentPostProcessor, Ordered {

	/** The name of the property source that holds these defaults. */
	public static final String PROPERTY_SOURCE_NAME = "restyGatewayDefaults";

	/**
	 * After {@code ConfigDataEnvironmentPostProcessor} ({@code Integer.MIN_VALUE + 10}), before Spring Cloud
	 * Consul's {@code ConsulConfigDataMissingEnvironmentPostProcessor} ({@code Integer.MIN_VALUE + 1010}).
	 */
	public static final int ORDER = Integer.MIN_VALUE + 500;

	@Override
	public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
		if (!environment.getProperty("resty.enabled", Boolean.class, true)) {
			return;
		}
		DependencyUse use = dependencyUse(environment);
		Map<String, Object> defaults = new LinkedHashMap<>();
		if (!use.consul()) {
			defaults.put("spring.cloud.consul.enabled", "false");
		}
		else if (!hasConsulImport(environment)) {
			defaults.put("spring.cloud.consul.config.enabled", "false");
		}
		if (!use.redis()) {
			defaults.put("management.health.redis.enabled", "false");
		}
		defaults.put("management.endpoint.health.status.order", "DOWN,OUT_OF_SERVICE,DEGRADED,UP,UNKNOWN");
		defaults.keySet().removeIf(environment::containsProperty);
		if (!defaults.isEmpty()) {
			environment.getPropertySources().addLast(new MapPropertySource(PROPERTY_SOURCE_NAME, defaults));
		}
	}

	/**
	 * What the environment configures, as it is now.
	 * @param environment the environment
	 * @return which dependencies are in use
	 */
	public static DependencyUse dependencyUse(Environment environment) {
		List<String> imports = Binder.get(environment)
			.bind("spring.config.import", Bindable.listOf(String.class))
			.orElse(List.of());
		return DependencyUse.from(environment::getProperty, imports);
	}

	private static boolean hasConsulImport(Environment environment) {
		return DependencyUse.from(key -> null, Binder.get(environment)
			.bind("spring.config.import", Bindable.listOf(String.class))
			.orElse(List.of())).consul();
	}

	@Override
	public int getOrder() {
		return ORDER;
	}

}
