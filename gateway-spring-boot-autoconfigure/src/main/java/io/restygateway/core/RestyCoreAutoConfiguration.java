package io.restygateway.core;

import java.util.List;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.health.contributor.HealthContributor;
import org.springframework.cloud.gateway.config.HttpClientCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.core.env.Environment;
import org.springframework.util.unit.DataSize;

/**
 * What every feature stands on: the start-up report, the dependency lines in it, and degraded health for the
 * dependencies the gateway serves without.
 */
@AutoConfiguration
@ConditionalOnBooleanProperty(name = "resty.enabled", matchIfMissing = true)
@EnableConfigurationProperties(RestyProperties.class)
public class RestyCoreAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnBooleanProperty(name = "resty.startup-report.enabled", matchIfMissing = true)
	public RestyStartupReporter restyStartupReporter(ObjectProvider<RestyFeatureReport> reports,
			Environment environment) {
		return new RestyStartupReporter(reports, environment);
	}

	/**
	 * The start-up lines for Redis and Consul: in use or not, as the environment defaults decided.
	 */
	@Bean
	@Order(0)
	@ConditionalOnMissingBean(name = "restyDependenciesReport")
	public RestyFeatureReport restyDependenciesReport(Environment environment) {
		DependencyUse use = RestyEnvironmentPostProcessor.dependencyUse(environment);
		String redis = use.redis() ? "redis: configured, " + redisTarget(environment)
				: "redis: not configured (its health does not count)";
		String consul = use.consul() ? "consul: configured, " + environment.getProperty("spring.cloud.consul.host",
				"localhost") + ":" + environment.getProperty("spring.cloud.consul.port", "8500")
				: "consul: not configured (its health does not count)";
		return () -> redis + "; " + consul;
	}

	private static String redisTarget(Environment environment) {
		String url = environment.getProperty("spring.data.redis.url");
		if (url != null && !url.isBlank()) {
			// Never print a password that the URL may carry.
			return url.replaceAll("//[^@/]*@", "//***@");
		}
		return environment.getProperty("spring.data.redis.host", "localhost") + ":"
				+ environment.getProperty("spring.data.redis.port", "6379");
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = { "reactor.netty.http.server.HttpServer",
			"org.springframework.boot.reactor.netty.NettyServerCustomizer" })
	@ConditionalOnBooleanProperty(name = "resty.netty.read-after-response", matchIfMissing = true)
	static class NettyConfiguration {

		@Bean
		@ConditionalOnMissingBean
		KeepAliveReadGuard keepAliveReadGuard() {
			return new KeepAliveReadGuard();
		}

	}

	/** The gateway's HTTP client hands on an upstream body in pieces as large as Netty reads them. */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = { "org.springframework.cloud.gateway.config.HttpClientCustomizer",
			"reactor.netty.http.client.HttpClient" })
	static class NettyClientConfiguration {

		static final String MAX_CHUNK_SIZE = "resty.netty.upstream-max-chunk-size";

		@Bean
		@ConditionalOnMissingBean(name = "restyUpstreamChunkSize")
		HttpClientCustomizer restyUpstreamChunkSize(Environment environment) {
			DataSize size = Binder.get(environment)
				.bind(MAX_CHUNK_SIZE, DataSize.class)
				.orElse(DataSize.ofKilobytes(64));
			if (size.toBytes() <= 0 || size.toBytes() > Integer.MAX_VALUE) {
				throw new IllegalArgumentException(MAX_CHUNK_SIZE + " must be between 1B and 2GB, was " + size);
			}
			return new UpstreamChunkSize((int) size.toBytes());
		}

	}

	/** The start-up line that says how Netty runs (event loops, transport, direct buffers). */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = "io.netty.util.internal.PlatformDependent")
	static class NettyReportConfiguration {

		@Bean
		@Order(1)
		@ConditionalOnMissingBean(name = "restyNettyReport")
		RestyFeatureReport restyNettyReport() {
			return new NettyReport();
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(HealthContributor.class)
	@ConditionalOnBooleanProperty(name = "resty.health.enabled", matchIfMissing = true)
	static class DegradedHealthConfiguration {

		// Static, and bound from the environment rather than from RestyProperties: a BeanPostProcessor is created
		// before other beans and must not drag its configuration or the properties bean along.
		@Bean
		static DegradedHealth restyDegradedHealth(Environment environment) {
			List<String> dependencies = Binder.get(environment)
				.bind("resty.health.degraded-when-down", Bindable.listOf(String.class))
				.orElse(RestyProperties.Health.DEFAULT_DEGRADED_WHEN_DOWN);
			return new DegradedHealth(dependencies);
		}

	}

}
