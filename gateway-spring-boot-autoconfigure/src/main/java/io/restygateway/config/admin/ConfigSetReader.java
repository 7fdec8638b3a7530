package io.restygateway.config.admin;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;

import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import io.restygateway.config.InvalidDocumentException;
import io.restygateway.config.RouteDocuments;
import io.restygateway.upstream.InvalidUpstreamException;
import io.restygateway.upstream.UpstreamJson;

/**
 * Reads and checks a whole set of routes and upstreams, the body of {@code POST /actuator/restyconfig/stage}:
 * <pre>
 * {"routes":    {"&lt;id&gt;":   { RouteDefinition JSON, as in Consul's routes/&lt;id&gt; }},
 *  "upstreams": {"&lt;name&gt;": { upstream JSON, as in Consul's upstreams/&lt;name&gt; }}}
 * </pre>
 * Every document is checked as the Consul source checks it ({@link RouteDocuments}, {@link UpstreamJson}), and so
 * are the names: a route id or upstream name declared locally (YAML) is refused, since the local definition wins.
 * Every problem is collected, so that one answer names them all. Thread-safe.
 */
public final class ConfigSetReader {

	/** The names an upstream may have, as the upstreams endpoint and the Consul layout take them. */
	private static final Pattern UPSTREAM_NAME = Pattern.compile("[-_a-zA-Z0-9.]+");

	/** The names a route id may have: a key segment, so no {@code /}. */
	private static final Pattern ROUTE_ID = Pattern.compile("[^/\\s]+");

	// A key given twice in one object would otherwise have its last copy win unseen.
	private static final JsonMapper mapper = JsonMapper.builder()
		.enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
		.build();

	private final RouteDocuments documents;

	private final Set<String> localRouteIds;

	private final Set<String> localUpstreams;

	/**
	 * @param documents reads and checks routes, with the context's factories
	 * @param localRouteIds route ids declared in {@code spring.cloud.gateway.server.webflux.routes}
	 * @param localUpstreams upstream names declared in {@code resty.upstreams}
	 */
	public ConfigSetReader(RouteDocuments documents, Set<String> localRouteIds, Set<String> localUpstreams) {
		this.documents = documents;
		this.localRouteIds = Set.copyOf(localRouteIds);
		this.localUpstreams = Set.copyOf(localUpstreams);
	}

	/**
	 * @param body the set as JSON
	 * @return the checked set
	 * @throws InvalidConfigSetException naming every key and field at fault
	 */
	public ConfigSet read(String body) {
		if (body.isBlank()) {
			throw invalid("body", "body",
					"a JSON object {\"routes\": {...}, \"upstreams\": {...}} is required (either may be empty)");
		}
		JsonNode tree;
		try {
			tree = mapper.readTree(body);
		}
		catch (JacksonException ex) {
			throw invalid("body", "body", "not valid JSON: " + ex.getOriginalMessage());
		}
		if (tree == null || !tree.isObject()) {
			throw invalid("body", "body", "must be a JSON object with routes and upstreams");
		}
		List<InvalidConfigSetException.Problem> problems = new ArrayList<>();
		for (String field : tree.propertyNames()) {
			if (!field.equals("routes") && !field.equals("upstreams")) {
				problems.add(new InvalidConfigSetException.Problem("body", field,
						"is not a field of a set; a set has routes and upstreams"));
			}
		}
		SortedMap<String, String> routes = new TreeMap<>();
		for (Map.Entry<String, JsonNode> route : members(tree, "routes", problems)) {
			String id = route.getKey();
			String key = "routes/" + id;
			try {
				if (!ROUTE_ID.matcher(id).matches()) {
					throw new InvalidDocumentException("key", "a route id is not empty and has no '/' or spaces");
				}
				if (this.localRouteIds.contains(id)) {
					throw new InvalidDocumentException("id", "route '" + id
							+ "' is declared in spring.cloud.gateway.server.webflux.routes; the local definition wins");
				}
				String json = document(route.getValue());
				this.documents.parse(id, json.getBytes(StandardCharsets.UTF_8));
				routes.put(id, json);
			}
			catch (InvalidDocumentException ex) {
				problems.add(new InvalidConfigSetException.Problem(key, ex.field(), ex.problem()));
			}
		}
		SortedMap<String, String> upstreams = new TreeMap<>();
		for (Map.Entry<String, JsonNode> upstream : members(tree, "upstreams", problems)) {
			String name = upstream.getKey();
			String key = "upstreams/" + name;
			try {
				if (!UPSTREAM_NAME.matcher(name).matches()) {
					throw new InvalidDocumentException("key", "an upstream name is made of letters, digits and -_.");
				}
				if (this.localUpstreams.contains(name)) {
					throw new InvalidDocumentException("name",
							"upstream '" + name + "' is declared in resty.upstreams; the local definition wins");
				}
				String json = document(upstream.getValue());
				UpstreamJson.parse(name, json);
				upstreams.put(name, json);
			}
			catch (InvalidUpstreamException ex) {
				problems.add(new InvalidConfigSetException.Problem(key, ex.field(), ex.problem()));
			}
			catch (InvalidDocumentException ex) {
				problems.add(new InvalidConfigSetException.Problem(key, ex.field(), ex.problem()));
			}
		}
		if (!problems.isEmpty()) {
			throw new InvalidConfigSetException(problems);
		}
		return new ConfigSet(routes, upstreams);
	}

	private static List<Map.Entry<String, JsonNode>> members(JsonNode tree, String field,
			List<InvalidConfigSetException.Problem> problems) {
		JsonNode node = tree.get(field);
		if (node == null || node.isNull()) {
			return List.of();
		}
		if (!node.isObject()) {
			problems.add(new InvalidConfigSetException.Problem("body", field,
					"must be a JSON object of " + (field.equals("routes") ? "route id" : "upstream name")
							+ " to its document"));
			return List.of();
		}
		return new ArrayList<>(node.properties());
	}

	private static String document(JsonNode node) {
		if (!node.isObject()) {
			throw new InvalidDocumentException("body", "must be a JSON object");
		}
		return mapper.writeValueAsString(node);
	}

	private static InvalidConfigSetException invalid(String key, String field, String problem) {
		return new InvalidConfigSetException(List.of(new InvalidConfigSetException.Problem(key, field, problem)));
	}

}
