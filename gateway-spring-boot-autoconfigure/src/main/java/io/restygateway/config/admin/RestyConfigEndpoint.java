package io.restygateway.config.admin;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;

import io.restygateway.config.ConfigSourceView;

/**
 * The {@code restyconfig} actuator endpoint, read side: {@code GET /actuator/restyconfig} shows every source of
 * routes and upstreams (local YAML, Consul when enabled, the installed set) with its version or index, last applied
 * time and last error, the staged set, and the versions kept; {@code GET /actuator/restyconfig/{version}} (or
 * {@code /staged}) shows one set in full. Staging, installing and rolling back ({@code POST .../stage},
 * {@code .../install}, {@code .../rollback/{version}}) are served beside it by {@link RestyConfigWriteFilter}, since
 * an endpoint operation cannot take a whole JSON document as its body.
 */
@Endpoint(id = "restyconfig")
public class RestyConfigEndpoint {

	private static final JsonMapper mapper = JsonMapper.builder().build();

	/** The name of the installed set among the sources. */
	public static final String SOURCE = "restyconfig";

	private final ConfigVersions versions;

	private final List<ConfigSourceView> sources;

	/**
	 * @param versions the staged and installed sets
	 * @param sources the other sources, in the order shown
	 */
	public RestyConfigEndpoint(ConfigVersions versions, List<ConfigSourceView> sources) {
		this.versions = versions;
		this.sources = List.copyOf(sources);
	}

	@ReadOperation
	public Map<String, Object> view() {
		Map<String, Object> sources = new LinkedHashMap<>();
		for (ConfigSourceView source : this.sources) {
			sources.put(source.name(), source.view());
		}
		ConfigVersions.Version current = this.versions.current();
		Map<String, Object> installed = new LinkedHashMap<>();
		installed.put("target", this.versions.target());
		installed.put("version", current == null ? 0 : current.number());
		installed.put("lastApplied", text(this.versions.lastApplied()));
		installed.put("lastError", this.versions.lastError());
		installed.put("routes", current == null ? List.of() : List.copyOf(current.set().routes().keySet()));
		installed.put("upstreams", current == null ? List.of() : List.copyOf(current.set().upstreams().keySet()));
		sources.put(SOURCE, installed);
		Map<String, Object> body = new LinkedHashMap<>();
		body.put("sources", sources);
		ConfigVersions.Staged staged = this.versions.staged();
		body.put("staged", staged == null ? null : staged(staged, false));
		body.put("current", current == null ? 0 : current.number());
		body.put("kept", ConfigVersions.KEPT);
		body.put("versions", this.versions.versions().stream().map(version -> version(version, false)).toList());
		return body;
	}

	@ReadOperation
	public WebEndpointResponse<Object> set(@Selector String version) {
		if (version.equals("staged")) {
			ConfigVersions.Staged staged = this.versions.staged();
			if (staged == null) {
				return new WebEndpointResponse<>(Map.of("status", 404, "message", "nothing is staged"),
						WebEndpointResponse.STATUS_NOT_FOUND);
			}
			return new WebEndpointResponse<>(staged(staged, true));
		}
		ConfigVersions.Version kept;
		try {
			kept = this.versions.version(Long.parseLong(version));
		}
		catch (NumberFormatException ex) {
			return new WebEndpointResponse<>(Map.of("status", 400, "field", "version", "message",
					"version: '" + version + "' is not a version number (or 'staged')"), 400);
		}
		if (kept == null) {
			return new WebEndpointResponse<>(
					Map.of("status", 404, "field", "version", "message", "version: " + version + " is not kept"),
					WebEndpointResponse.STATUS_NOT_FOUND);
		}
		return new WebEndpointResponse<>(version(kept, true));
	}

	static Map<String, Object> version(ConfigVersions.Version version, boolean documents) {
		Map<String, Object> view = new LinkedHashMap<>();
		view.put("version", version.number());
		view.put("installedAt", version.installedAt().toString());
		if (version.rollbackOf() != null) {
			view.put("rollbackOf", version.rollbackOf());
		}
		contents(view, version.set(), documents);
		return view;
	}

	static Map<String, Object> staged(ConfigVersions.Staged staged, boolean documents) {
		Map<String, Object> view = new LinkedHashMap<>();
		view.put("stagedAt", staged.stagedAt().toString());
		contents(view, staged.set(), documents);
		return view;
	}

	private static void contents(Map<String, Object> view, ConfigSet set, boolean documents) {
		if (!documents) {
			view.put("routes", List.copyOf(set.routes().keySet()));
			view.put("upstreams", List.copyOf(set.upstreams().keySet()));
			return;
		}
		Map<String, Object> routes = new LinkedHashMap<>();
		set.routes().forEach((id, json) -> routes.put(id, mapper.readValue(json, Object.class)));
		Map<String, Object> upstreams = new LinkedHashMap<>();
		set.upstreams().forEach((name, json) -> upstreams.put(name, mapper.readValue(json, Object.class)));
		// The shape POST /actuator/restyconfig/stage takes, so that a kept set can be staged again as it is.
		view.put("set", Map.of("routes", routes, "upstreams", upstreams));
	}

	private static @Nullable String text(java.time.@Nullable Instant instant) {
		return instant == null ? null : instant.toString();
	}

}
