package io.restygateway.upstream;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.BindHandler;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.UnboundConfigurationPropertiesException;
import org.springframework.boot.context.properties.bind.handler.NoUnboundElementsBindHandler;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/**
 * An upstream written as JSON (the endpoint, Consul) read exactly as its YAML form is: the JSON document is laid
 * out as properties and bound by Spring Boot's binder, so that {@code "try-timeout": "3s"}, {@code "statuses":
 * ["200-399"]} and kebab-case keys mean what they mean in {@code application.yml}. Unknown keys are refused.
 */
public final class UpstreamJson {

	private static final JsonMapper mapper = JsonMapper.builder().build();

	private static final String ROOT = "upstream";

	/** The fields of each object of the schema, by path ({@code []} for any list index). */
	private static final Map<String, Set<String>> FIELDS = Map.of("",
			Set.of("balancer", "hash-key", "try", "try-timeout", "retry-on", "levels", "health"), "levels[]",
			Set.of("servers"), "levels[].servers[]", Set.of("host", "port", "weight", "max-fails", "fail-timeout"),
			"health", Set.of("active", "passive", "protected"), "health.active",
			Set.of("type", "path", "interval", "timeout", "healthy-threshold", "unhealthy-threshold", "statuses"),
			"health.passive", Set.of("statuses", "max-fails", "fail-timeout"));

	private UpstreamJson() {
	}

	/**
	 * @param name the upstream's name
	 * @param json its definition as a JSON object
	 * @return the validated upstream
	 * @throws InvalidUpstreamException naming the field at fault ({@code body} when the JSON does not parse)
	 */
	public static UpstreamSpec parse(String name, String json) {
		Object tree;
		try {
			tree = mapper.readValue(json, Object.class);
		}
		catch (JacksonException ex) {
			throw new InvalidUpstreamException("body", "not valid JSON: " + ex.getOriginalMessage());
		}
		if (!(tree instanceof Map<?, ?> object)) {
			throw new InvalidUpstreamException("body", "must be a JSON object");
		}
		Map<String, Object> properties = new LinkedHashMap<>();
		flatten(object, "", "", properties);
		UpstreamDefinition definition;
		try {
			definition = new Binder(new MapConfigurationPropertySource(properties))
				.bindOrCreate(ROOT, Bindable.of(UpstreamDefinition.class), new NoUnboundElementsBindHandler(BindHandler.DEFAULT));
		}
		catch (BindException ex) {
			throw bindFailure(ex);
		}
		return definition.toSpec(name);
	}

	private static InvalidUpstreamException bindFailure(BindException ex) {
		if (ex.getCause() instanceof UnboundConfigurationPropertiesException unbound) {
			String field = unbound.getUnboundProperties()
				.stream()
				.map(property -> relative(property.getName().toString()))
				.sorted()
				.findFirst()
				.orElse("body");
			return new InvalidUpstreamException(field, "is not a field of an upstream");
		}
		String field = ex.getProperty() != null ? relative(ex.getProperty().getName().toString())
				: relative(ex.getName().toString());
		Throwable cause = ex.getCause();
		while (cause != null && cause.getCause() != null && cause.getCause() != cause) {
			cause = cause.getCause();
		}
		String value = ex.getProperty() == null ? "" : " '" + ex.getProperty().getValue() + "'";
		return new InvalidUpstreamException(field,
				"cannot read" + value + (cause == null ? "" : ": " + cause.getMessage()));
	}

	private static String relative(String property) {
		return property.equals(ROOT) ? "body" : property.substring(ROOT.length() + 1);
	}

	// Lays a JSON tree out as properties (upstream.levels[0].servers[0].host = ...), refusing unknown fields.
	// path is the field's path relative to the upstream; shape is the same with list indexes as [].
	private static void flatten(@Nullable Object node, String path, String shape, Map<String, Object> out) {
		if (node instanceof Map<?, ?> map) {
			Set<String> fields = FIELDS.get(shape);
			for (Map.Entry<?, ?> entry : map.entrySet()) {
				String key = kebab(String.valueOf(entry.getKey()));
				String child = path.isEmpty() ? key : path + "." + key;
				if (fields == null || !fields.contains(key)) {
					throw new InvalidUpstreamException(child, "is not a field of an upstream");
				}
				flatten(entry.getValue(), child, shape.isEmpty() ? key : shape + "." + key, out);
			}
		}
		else if (node instanceof List<?> list) {
			if (list.isEmpty()) {
				out.put(ROOT + "." + path, "");
			}
			for (int i = 0; i < list.size(); i++) {
				flatten(list.get(i), path + "[" + i + "]", shape + "[]", out);
			}
		}
		else if (node != null) {
			out.put(ROOT + "." + path, node.toString());
		}
	}

	// hashKey and hash_key are hash-key, as Spring Boot's relaxed binding reads them.
	private static String kebab(String key) {
		return key.replaceAll("([a-z0-9])([A-Z])", "$1-$2").replace('_', '-').toLowerCase(Locale.ROOT);
	}

}
