package io.restygateway.core;

import java.util.List;
import java.util.Locale;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;

/**
 * Whether the gateway is configured to use each of its optional outside dependencies, read from plain property
 * values so that it can be decided before the application context exists.
 *
 * <p>The rule is the one users expect from the embedded default: a dependency that nothing configured is not in
 * use, so its health does not count and its client does not start; one that is configured is in use, and when it is
 * down the health endpoint shows it.
 *
 * @param redis whether Redis is configured (a host, URL, cluster or sentinel, or a rate-limit store of
 * {@code redis})
 * @param consul whether Consul is configured (a {@code consul:} config import, {@code resty.consul.enabled=true},
 * or {@code spring.cloud.consul.enabled=true})
 */
public record DependencyUse(boolean redis, boolean consul) {

	/** The Spring Data Redis keys any of which, when set, means a Redis was configured. */
	static final List<String> REDIS_KEYS = List.of("spring.data.redis.host", "spring.data.redis.url",
			"spring.data.redis.cluster.nodes", "spring.data.redis.cluster.nodes[0]", "spring.data.redis.sentinel.master");

	/**
	 * Decide from property values.
	 * @param property a property lookup: the value of a key, or {@code null} when it is not set
	 * @param imports the values of {@code spring.config.import}
	 * @return what is in use
	 */
	public static DependencyUse from(Function<String, @Nullable String> property, List<String> imports) {
		boolean redis = REDIS_KEYS.stream().anyMatch(key -> hasText(property.apply(key)))
				|| "redis".equalsIgnoreCase(trim(property.apply("resty.rate-limit.store")));
		boolean consulImport = imports.stream()
			.flatMap(value -> List.of(value.split(",")).stream())
			.map(value -> value.trim().toLowerCase(Locale.ROOT))
			.anyMatch(value -> value.startsWith("consul:") || value.startsWith("optional:consul:"));
		boolean consul = consulImport || "true".equalsIgnoreCase(trim(property.apply("resty.consul.enabled")))
				|| "true".equalsIgnoreCase(trim(property.apply("spring.cloud.consul.enabled")));
		return new DependencyUse(redis, consul);
	}

	private static boolean hasText(@Nullable String value) {
		return value != null && !value.isBlank();
	}

	private static String trim(@Nullable String value) {
		return value == null ? "" : value.trim();
	}

}
