package io.restygateway.config;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.cloud.gateway.filter.factory.AddResponseHeaderGatewayFilterFactory;
import org.springframework.cloud.gateway.filter.factory.StripPrefixGatewayFilterFactory;
import org.springframework.cloud.gateway.handler.predicate.PathRoutePredicateFactory;
import org.springframework.cloud.gateway.support.ConfigurationService;
import org.springframework.core.convert.support.DefaultConversionService;
import org.springframework.validation.beanvalidation.LocalValidatorFactoryBean;

import io.restygateway.upstream.UpstreamRegistry;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The layout without Spring's context or Consul: snapshots in, live routes and upstreams out, with the real
 * Spring Cloud Gateway factories checking routes.
 */
class LayoutApplierTests {

	final LiveRoutes routes = new LiveRoutes("test");

	final UpstreamRegistry upstreams = new UpstreamRegistry();

	final List<LayoutApplier.Rejection> rejections = new ArrayList<>();

	final LayoutApplier applier = new LayoutApplier("test", "resty/", documents(), this.routes, this.upstreams,
			Set.of("local"), Set.of("mine"), this.rejections::add,
			Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC));

	static RouteDocuments documents() {
		LocalValidatorFactoryBean validator = new LocalValidatorFactoryBean();
		validator.afterPropertiesSet();
		return new RouteDocuments(List.of(new PathRoutePredicateFactory(new org.springframework.boot.webflux.autoconfigure.WebFluxProperties())),
				List.of(new StripPrefixGatewayFilterFactory(), new AddResponseHeaderGatewayFilterFactory()),
				new ConfigurationService(new DefaultListableBeanFactory(), DefaultConversionService::new,
						() -> validator));
	}

	static SortedMap<String, byte[]> snapshot(String... keysAndValues) {
		SortedMap<String, byte[]> snapshot = new TreeMap<>();
		for (int i = 0; i < keysAndValues.length; i += 2) {
			snapshot.put(keysAndValues[i], keysAndValues[i + 1].getBytes(StandardCharsets.UTF_8));
		}
		return snapshot;
	}

	static final String GOOD = "{\"uri\":\"http://127.0.0.1:1\",\"predicates\":[\"Path=/a/**\"],\"filters\":[\"StripPrefix=1\"]}";

	static final String GOOD_B = "{\"uri\":\"http://127.0.0.1:2\",\"predicates\":[{\"name\":\"Path\",\"args\":{\"patterns\":\"/b/**\"}}]}";

	static final String UPSTREAM = "{\"levels\":[{\"servers\":[{\"host\":\"127.0.0.1\",\"port\":8080}]}]}";

	@Test
	void addsChangesAndRemovesRoutesAndUpstreams() {
		LayoutApplier.Outcome first = this.applier.apply(snapshot("routes/a", GOOD, "upstreams/pool", UPSTREAM));
		assertThat(first.routeKeys()).containsExactly("resty/routes/a");
		assertThat(first.upstreams()).containsExactly("pool");
		assertThat(this.routes.get("resty/routes/a").getId()).isEqualTo("a");
		assertThat(this.routes.get("resty/routes/a").getMetadata()).containsEntry(LiveRoutes.KEY, "resty/routes/a")
			.containsEntry(LiveRoutes.SOURCE, "test");
		assertThat(this.upstreams.get("pool")).isNotNull();

		// The same snapshot again changes nothing; only the key whose bytes changed is read again.
		assertThat(this.applier.apply(snapshot("routes/a", GOOD, "upstreams/pool", UPSTREAM)).changed()).isFalse();
		LayoutApplier.Outcome second = this.applier
			.apply(snapshot("routes/a", GOOD, "routes/b", GOOD_B, "upstreams/pool", UPSTREAM));
		assertThat(second.routeKeys()).containsExactly("resty/routes/b");

		LayoutApplier.Outcome third = this.applier.apply(snapshot("routes/b", GOOD_B));
		assertThat(third.routeKeys()).containsExactly("resty/routes/a");
		assertThat(third.upstreams()).containsExactly("pool");
		assertThat(this.routes.all()).containsOnlyKeys("resty/routes/b");
		assertThat(this.upstreams.get("pool")).isNull();
		assertThat(this.rejections).isEmpty();
	}

	@Test
	void aBadVersionIsRefusedNamingTheFieldAndTheLastGoodOneStays() {
		this.applier.apply(snapshot("routes/a", GOOD));
		Map<String, String> bad = Map.of("{", "body", "{\"uri\":\"http://x:1\",\"predicates\":[\"Path=/a\"],\"filters\":[\"StripPrefix=x\"]}",
				"filters[0].args.parts", "{\"uri\":\"http://x:1\",\"predicates\":[\"Nope=1\"]}", "predicates[0].name",
				"{\"uri\":\"http://x:1\",\"predicates\":[]}", "predicates", "{\"predicates\":[\"Path=/a\"]}", "uri",
				"{\"uri\":\"http://x:1\",\"predicates\":[\"Path=/a\"],\"extra\":1}", "extra");
		for (Map.Entry<String, String> document : bad.entrySet()) {
			LayoutApplier.Outcome outcome = this.applier.apply(snapshot("routes/a", document.getKey()));
			assertThat(outcome.changed()).as(document.getKey()).isFalse();
			assertThat(outcome.rejected()).singleElement().satisfies(rejection -> {
				assertThat(rejection.key()).isEqualTo("resty/routes/a");
				assertThat(rejection.field()).isEqualTo(document.getValue());
				assertThat(rejection.keptLastGood()).isTrue();
			});
			assertThat(this.routes.get("resty/routes/a").getUri().toString()).isEqualTo("http://127.0.0.1:1");
		}
		assertThat(this.applier.rejections()).containsOnlyKeys("resty/routes/a");
		// Fixed: served, and no longer listed as refused.
		this.applier.apply(snapshot("routes/a", GOOD_B));
		assertThat(this.routes.get("resty/routes/a").getUri().toString()).isEqualTo("http://127.0.0.1:2");
		assertThat(this.applier.rejections()).isEmpty();
	}

	@Test
	void localNamesWinAndBadUpstreamsNameTheirField() {
		LayoutApplier.Outcome outcome = this.applier.apply(snapshot("routes/local", GOOD, "upstreams/mine", UPSTREAM,
				"upstreams/bad", "{\"levels\":[{\"servers\":[{\"host\":\"h\",\"port\":0}]}]}", "other/key", "x"));
		assertThat(outcome.changed()).isFalse();
		assertThat(outcome.rejected()).extracting(LayoutApplier.Rejection::key, LayoutApplier.Rejection::field)
			.containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("resty/routes/local", "id"),
					org.assertj.core.groups.Tuple.tuple("resty/upstreams/mine", "name"),
					org.assertj.core.groups.Tuple.tuple("resty/upstreams/bad", "levels[0].servers[0].port"));
		// Deleting a key that never applied removes nothing it did not put.
		this.upstreams.put(io.restygateway.upstream.UpstreamJson.parse("mine", UPSTREAM));
		this.applier.apply(snapshot());
		assertThat(this.upstreams.get("mine")).isNotNull();
		assertThat(this.applier.rejections()).isEmpty();
	}

	@Test
	void anIdInTheDocumentMustMatchTheKey() {
		String document = "{\"id\":\"b\",\"uri\":\"http://x:1\",\"predicates\":[\"Path=/a\"]}";
		assertThat(this.applier.apply(snapshot("routes/a", document)).rejected()).singleElement()
			.satisfies(rejection -> assertThat(rejection.field()).isEqualTo("id"));
		String same = "{\"id\":\"a\",\"uri\":\"http://x:1\",\"predicates\":[\"Path=/a\"]}";
		assertThat(this.applier.apply(snapshot("routes/a", same)).routeKeys()).containsExactly("resty/routes/a");
	}

}
