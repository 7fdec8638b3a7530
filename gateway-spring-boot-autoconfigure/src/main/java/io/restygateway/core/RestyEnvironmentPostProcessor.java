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
 * <li>Request metrics off on the request path unless {@code resty.request-metrics.enabled=true}: Spring Cloud
 * Gateway's {@code spring.cloud.gateway.requests} timer ({@code ...webflux.metrics.enabled}), its
 * {@code http.client.requests} observation of every proxied request ({@code ...webflux.observability.enabled}) and
 * Spring Boot's {@code http.server.requests} observation. Together they cost a fifth of a plain route's CPU.</li>
 * <li>{@code spring.cloud.gateway.server.webflux.route-filter-cache-enabled=true}: a route's filters are sorted once,
 * not on every request.</li>
 * <li>One Reactor Netty event loop per CPU ({@code reactor.netty.ioWorkerCount}, a JVM system property, set from
 * {@code resty.netty.io-workers} when the JVM was not given one): Reactor Netty starts at least four, which on one or
 * two CPUs only take turns.</li>
 * <li>Netty frees its direct buffers itself, without the JDK's {@code Cleaner} ({@code io.netty.tryReflectionSetAccessible},
 * a JVM system property, set from {@code resty.netty.direct-buffer-no-cleaner} when the JVM was not given one). It
 * takes effect only where {@code java.nio} is open to Netty ({@code --add-opens java.base/java.nio=ALL-UNNAMED}, or
 * {@code Add-Opens: java.base/java.nio} in the manifest of the jar that {@code java -jar} runs, as gateway-app's
 * has); elsewhere Netty falls back to the JDK's buffers, as it would without it.</li>
 * </ul>
 * With {@code resty.enabled=false} only the first three remain: they are not features but keep the jars the starter
 * carries from doing what a gateway without the starter would never do (refuse to start for want of a Consul import,
 * count the health of a Redis nobody configured). Every default yields to any value the user sets anywhere. It runs after the config data files are loaded (so it
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

	/** Turns Spring Cloud Gateway's and Spring Boot's per-request metrics and observations back on. */
	public static final String REQUEST_METRICS = "resty.request-metrics.enabled";

	/** How many Reactor Netty event loops; the JVM system property {@value #IO_WORKER_COUNT} wins. */
	public static final String IO_WORKERS = "resty.netty.io-workers";

	/** Reactor Netty's own setting, read once when its first event loops are made. */
	public static final String IO_WORKER_COUNT = "reactor.netty.ioWorkerCount";

	/** Whether Netty may free its direct buffers itself; the JVM system property {@value #NETTY_REFLECTION} wins. */
	public static final String DIRECT_BUFFER_NO_CLEANER = "resty.netty.direct-buffer-no-cleaner";

	/**
	 * Netty's own switch, read once when its {@code PlatformDependent} is first used: whether it may open the JDK's
	 * private constructor of direct buffers, and so allocate and free their memory itself.
	 */
	public static final String NETTY_REFLECTION = "io.netty.tryReflectionSetAccessible";

	private static final String GATEWAY = "spring.cloud.gateway.server.webflux";

	@Override
	public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
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
		if (environment.getProperty("resty.enabled", Boolean.class, true)) {
			features(environment, defaults);
		}
		defaults.keySet().removeIf(environment::containsProperty);
		if (!defaults.isEmpty()) {
			environment.getPropertySources().addLast(new MapPropertySource(PROPERTY_SOURCE_NAME, defaults));
		}
	}

	/** The defaults of Resty Gateway's own features and of its speed: none of them when it is switched off. */
	private static void features(ConfigurableEnvironment environment, Map<String, Object> defaults) {
		defaults.put("management.endpoint.health.status.order", "DOWN,OUT_OF_SERVICE,DEGRADED,UP,UNKNOWN");
		if (!environment.getProperty(REQUEST_METRICS, Boolean.class, false)) {
			defaults.put(GATEWAY + ".metrics.enabled", "false");
			defaults.put(GATEWAY + ".observability.enabled", "false");
			defaults.put("management.observations.enable.http.server.requests", "false");
		}
		defaults.put(GATEWAY + ".route-filter-cache-enabled", "true");
		ioWorkers(environment);
		directBuffers(environment);
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

	/**
	 * Sets {@value #IO_WORKER_COUNT} to {@value #IO_WORKERS}, by default the number of CPUs the JVM may use, unless
	 * the JVM was started with it. It must be set before Reactor Netty makes its first event loop, which happens when
	 * the web server starts, long after this.
	 */
	private static void ioWorkers(ConfigurableEnvironment environment) {
		if (System.getProperty(IO_WORKER_COUNT) != null) {
			return;
		}
		Integer workers = environment.getProperty(IO_WORKERS, Integer.class);
		int count = workers != null && workers > 0 ? workers : Runtime.getRuntime().availableProcessors();
		System.setProperty(IO_WORKER_COUNT, Integer.toString(count));
	}

	/**
	 * Sets {@value #NETTY_REFLECTION} to {@code true} unless the JVM was started with it or
	 * {@value #DIRECT_BUFFER_NO_CLEANER} is {@code false}. Without it, every direct buffer that Netty does not pool (a
	 * 64 KiB read of a large answer is one) is a JDK {@code ByteBuffer}: zeroed when it is made, and freed through a
	 * {@code Cleaner}. Netty reads the property when its {@code PlatformDependent} is first used, which in a gateway is
	 * when the web server is made, long after this.
	 */
	private static void directBuffers(ConfigurableEnvironment environment) {
		if (System.getProperty(NETTY_REFLECTION) != null
				|| !environment.getProperty(DIRECT_BUFFER_NO_CLEANER, Boolean.class, true)) {
			return;
		}
		System.setProperty(NETTY_REFLECTION, "true");
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
