package io.restygateway.demo;

import java.net.URI;
import java.util.List;
import java.util.stream.Collectors;

import reactor.core.publisher.Flux;

import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.cloud.gateway.filter.FilterDefinition;
import org.springframework.cloud.gateway.handler.predicate.PredicateDefinition;
import org.springframework.cloud.gateway.route.RouteDefinition;
import org.springframework.cloud.gateway.route.RouteDefinitionLocator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

import io.restygateway.core.RestyFeatureReport;

/**
 * The embedded demo: upstream servers on loopback and routes to them. Each feature adds its demo route here and a
 * line in the README.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnBooleanProperty(name = "resty.demo.enabled", matchIfMissing = true)
@EnableConfigurationProperties(DemoProperties.class)
public class DemoConfiguration {

	/** The demo routes: id, path predicate, whether the {@code /demo} prefix is stripped. */
	static final List<DemoRoute> ROUTES = List.of(new DemoRoute("demo-index", "/", false),
			new DemoRoute("demo-text", "/demo/text", true), new DemoRoute("demo-json", "/demo/json", true),
			new DemoRoute("demo-files", "/demo/files/**", true), new DemoRoute("demo-health", "/demo/health", true));

	@Bean(destroyMethod = "close")
	DemoUpstreams demoUpstreams(DemoProperties properties, Environment environment) {
		String port = environment.getProperty("server.port", "8080");
		return new DemoUpstreams(properties.getServers(), (int) properties.getLargeFileSize().toBytes(),
				index("http://localhost:" + port));
	}

	@Bean
	RouteDefinitionLocator demoRouteDefinitions(DemoUpstreams upstreams) {
		URI uri = URI.create(upstreams.url());
		return () -> Flux.fromIterable(ROUTES).map(route -> route.definition(uri));
	}

	@Bean
	RestyFeatureReport demoReport(DemoUpstreams upstreams) {
		String paths = ROUTES.stream().map(DemoRoute::path).collect(Collectors.joining(", "));
		String ports = upstreams.ports().stream().map(String::valueOf).collect(Collectors.joining(", "));
		return () -> "demo: routes " + paths + " to demo upstreams on 127.0.0.1 ports " + ports
				+ " (resty.demo.enabled=false turns the demo off)";
	}

	static String index(String gateway) {
		return """
				Resty Gateway demo
				==================
				Every path below goes through the gateway to a demo upstream server on loopback.

				  curl -i %1$s/demo/text
				  curl -i %1$s/demo/json
				  curl -i -H 'Range: bytes=0-99' %1$s/demo/files/large.bin -o /dev/null
				  curl -i %1$s/demo/health

				Routes and health: curl -s localhost:8081/actuator/gateway/routes ; curl -s localhost:8081/actuator/health
				A real deployment sets resty.demo.enabled=false and brings its own routes.
				""".formatted(gateway);
	}

	/**
	 * One demo route.
	 * @param id the route id
	 * @param path the Path predicate
	 * @param stripPrefix whether the first path segment ({@code /demo}) is removed before proxying
	 */
	record DemoRoute(String id, String path, boolean stripPrefix) {

		RouteDefinition definition(URI uri) {
			RouteDefinition definition = new RouteDefinition();
			definition.setId(this.id);
			definition.setUri(uri);
			definition.setPredicates(List.of(new PredicateDefinition("Path=" + this.path)));
			if (this.stripPrefix) {
				definition.setFilters(List.of(new FilterDefinition("StripPrefix=1")));
			}
			return definition;
		}

	}

}
