package io.restygateway.demo;

import java.net.URI;
import java.util.List;
import java.util.stream.Collectors;

import org.jspecify.annotations.Nullable;
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
import io.restygateway.upstream.UpstreamDefinition;
import io.restygateway.upstream.UpstreamRegistry;

/**
 * The embedded demo: upstream servers on loopback and routes to them. Each feature adds its demo route here and a
 * line in the README. It shows the features, so {@code resty.enabled=false} switches it off with them.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnBooleanProperty(name = "resty.enabled", matchIfMissing = true)
@ConditionalOnBooleanProperty(name = "resty.demo.enabled", matchIfMissing = true)
@EnableConfigurationProperties(DemoProperties.class)
public class DemoConfiguration {

	/** The demo routes: id, path predicate, how much of the path is stripped, the features' filters. */
	static final List<DemoRoute> ROUTES = List.of(new DemoRoute("demo-index", "/", null, 0),
			new DemoRoute("demo-text", "/demo/text", null, 1), new DemoRoute("demo-json", "/demo/json", null, 1),
			new DemoRoute("demo-files", "/demo/files/**", null, 1), new DemoRoute("demo-health", "/demo/health", null, 1),
			new DemoRoute("demo-lb", "/demo/lb/**", "lb://demo-weighted", 2),
			new DemoRoute("demo-hash", "/demo/hash/**", "lb://demo-hash", 2),
			// 2 requests a second per client address, 4 more at once in a burst; beyond, 429 with Retry-After.
			new DemoRoute("demo-limited", "/demo/limited/**", null, 2, "LeakyBucket=2r/s,4,nodelay,ip"),
			// The same rate, but a burst is spread out (nginx's delay=0): requests wait their turn instead.
			new DemoRoute("demo-shaped", "/demo/shaped/**", null, 2, "LeakyBucket=2r/s,4,0,ip"),
			// lua-resty-limit-rate: 3 tokens, one more every second, per client address.
			new DemoRoute("demo-tokens", "/demo/tokens/**", null, 2, "TokenBucket=1s,3"),
			// zstd for clients that take it, on the demo's text, JSON and the large file (which it then sends whole).
			new DemoRoute("demo-zstd", "/demo/zstd/**", null, 2,
					"Zstd{level=3|types=text/plain,application/json,application/octet-stream}"),
			new DemoRoute("demo-base64", "/demo/base64/**", null, 2, "Base64"),
			// The large file fetched from the upstream in aligned 1 MiB slices, kept in memory.
			new DemoRoute("demo-sliced", "/demo/sliced/**", null, 2, "Slice=1MB"));

	@Bean(destroyMethod = "close")
	DemoUpstreams demoUpstreams(DemoProperties properties, Environment environment) {
		String port = environment.getProperty("server.port", "8080");
		return new DemoUpstreams(properties.getServers(), (int) properties.getLargeFileSize().toBytes(),
				index("http://localhost:" + port));
	}

	@Bean
	RouteDefinitionLocator demoRouteDefinitions(DemoUpstreams upstreams, DemoUpstreamRegistration registration) {
		URI uri = URI.create(upstreams.url());
		return () -> Flux.fromIterable(ROUTES).map(route -> route.definition(uri));
	}

	/**
	 * Two upstreams over the demo servers: {@code demo-weighted}, a (weight 2) and b in the first level and c as a
	 * backup level, with HTTP health checks; {@code demo-hash}, consistent hashing on X-User-Id, else the client's
	 * address.
	 */
	@Bean
	DemoUpstreamRegistration demoUpstreamRegistration(DemoUpstreams upstreams, UpstreamRegistry registry) {
		List<Integer> ports = upstreams.ports();
		UpstreamDefinition weighted = new UpstreamDefinition();
		weighted.getLevels().add(level(ports.subList(0, Math.min(2, ports.size())), 2));
		if (ports.size() > 2) {
			weighted.getLevels().add(level(ports.subList(2, ports.size()), 1));
		}
		weighted.getHealth().getActive().setType("http");
		weighted.getHealth().getActive().setPath("/health");
		registry.put(weighted.toSpec("demo-weighted"));
		UpstreamDefinition hashed = new UpstreamDefinition();
		hashed.setBalancer("consistent-hash");
		hashed.setHashKey(List.of("header:X-User-Id", "ip"));
		hashed.getLevels().add(level(ports, 1));
		registry.put(hashed.toSpec("demo-hash"));
		return new DemoUpstreamRegistration(List.of("demo-weighted", "demo-hash"));
	}

	private static UpstreamDefinition.Level level(List<Integer> ports, int firstWeight) {
		UpstreamDefinition.Level level = new UpstreamDefinition.Level();
		for (int i = 0; i < ports.size(); i++) {
			UpstreamDefinition.Server server = new UpstreamDefinition.Server();
			server.setHost("127.0.0.1");
			server.setPort(ports.get(i));
			server.setWeight(i == 0 ? firstWeight : 1);
			level.getServers().add(server);
		}
		return level;
	}

	/**
	 * The upstreams the demo registered.
	 * @param names their names
	 */
	record DemoUpstreamRegistration(List<String> names) {
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
				  for i in 1 2 3 4 5 6; do curl -s %1$s/demo/lb/text; done        # weighted 2:1: a b a a b a
				  curl -s -H 'X-User-Id: alice' %1$s/demo/hash/text                # always the same server for alice
				  for i in 1 2 3 4 5 6 7 8; do curl -s -o /dev/null -w '%%{http_code} ' %1$s/demo/limited/text; done
				                                       # 2r/s, burst 4: five 200s, then 429s with Retry-After
				  curl -si %1$s/demo/limited/text | grep -i ratelimit                  # RateLimit-Limit/Remaining/Reset
				  time (for i in 1 2 3 4 5; do curl -s -o /dev/null %1$s/demo/shaped/text & done; wait)
				                                       # the same limit, shaped: all pass, spread over 2 s
				  for i in 1 2 3 4; do curl -s -o /dev/null -w '%%{http_code} ' %1$s/demo/tokens/text; done
				                                       # a token bucket of 3: 200 200 200 429
				  curl -s -H 'Accept-Encoding: zstd' %1$s/demo/zstd/json | zstd -d   # zstd on the wire
				  curl -si -H 'Accept-Encoding: zstd' %1$s/demo/zstd/json -o /dev/null | grep -i -e encoding -e vary -e etag
				  curl -s %1$s/demo/base64/text                                      # the text, base64 in 76-char lines
				  curl -si -H 'Range: bytes=5000000-5000099' %1$s/demo/sliced/files/large.bin -o /dev/null
				                                       # 206 from the 1 MiB slice that holds it (Slice=1MB)

				Routes, upstreams and health: curl -s localhost:8081/actuator/gateway/routes ;
				  curl -s localhost:8081/actuator/upstreams ; curl -s localhost:8081/actuator/ratelimits ;
				  curl -s localhost:8081/actuator/health
				A real deployment sets resty.demo.enabled=false and brings its own routes.
				""".formatted(gateway);
	}

	/**
	 * One demo route.
	 * @param id the route id
	 * @param path the Path predicate
	 * @param uri where it goes, or null for the first demo server
	 * @param stripPrefix how many leading path segments are removed before proxying
	 * @param filters more filters, in shortcut form
	 */
	record DemoRoute(String id, String path, @Nullable String uri, int stripPrefix, String... filters) {

		// A shortcut (Name=a,b) or, for arguments a shortcut cannot give, Name{arg=value|arg=value}.
		static FilterDefinition filter(String text) {
			int brace = text.indexOf('{');
			if (brace < 0) {
				return new FilterDefinition(text);
			}
			FilterDefinition filter = new FilterDefinition();
			filter.setName(text.substring(0, brace));
			for (String argument : text.substring(brace + 1, text.length() - 1).split("\\|")) {
				String[] pair = argument.split("=", 2);
				filter.addArg(pair[0], pair[1]);
			}
			return filter;
		}

		RouteDefinition definition(URI server) {
			RouteDefinition definition = new RouteDefinition();
			definition.setId(this.id);
			definition.setUri(this.uri == null ? server : URI.create(this.uri));
			definition.setPredicates(List.of(new PredicateDefinition("Path=" + this.path)));
			List<FilterDefinition> filters = new java.util.ArrayList<>();
			if (this.stripPrefix > 0) {
				filters.add(new FilterDefinition("StripPrefix=" + this.stripPrefix));
			}
			for (String filter : this.filters) {
				filters.add(filter(filter));
			}
			definition.setFilters(filters);
			return definition;
		}

	}

}
