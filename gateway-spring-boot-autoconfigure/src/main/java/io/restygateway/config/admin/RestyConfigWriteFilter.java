package io.restygateway.config.admin;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.core.Ordered;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

/**
 * The write side of the {@code restyconfig} endpoint, on the management server:
 * <ul>
 * <li>{@code POST /actuator/restyconfig/stage} with a whole set as JSON ({@link ConfigSetReader}): checked and
 * staged (200); bad input gets 400 naming the key and the field, and nothing changes;</li>
 * <li>{@code POST /actuator/restyconfig/install}: the staged set goes live as a new version (200), 409 when
 * nothing is staged, 503 when it cannot be made live (Consul away; the set stays staged);</li>
 * <li>{@code POST /actuator/restyconfig/rollback/{version}}: a kept version goes live again as a new version
 * (200), 404 when that version is not kept.</li>
 * </ul>
 * A filter rather than endpoint operations, as for the upstreams endpoint: an operation maps a body's top-level keys
 * to parameters, and would pass unknown ones, and malformed JSON, without an answer of ours. Installs run off the
 * event loop: writing back to Consul blocks.
 */
public class RestyConfigWriteFilter implements WebFilter, Ordered {

	/** The largest set accepted. */
	static final int MAX_BODY = 1024 * 1024;

	private static final JsonMapper mapper = JsonMapper.builder().build();

	private final ConfigVersions versions;

	private final ConfigSetReader reader;

	private final boolean writable;

	private final Pattern path;

	/**
	 * @param versions the staged and installed sets
	 * @param reader reads and checks a set
	 * @param basePath the actuator's base path, e.g. {@code /actuator}
	 * @param writable whether the endpoint's access allows writes ({@code management.endpoint.restyconfig.access})
	 */
	public RestyConfigWriteFilter(ConfigVersions versions, ConfigSetReader reader, String basePath, boolean writable) {
		this.versions = versions;
		this.reader = reader;
		this.writable = writable;
		this.path = Pattern.compile(Pattern.quote(basePath.endsWith("/") ? basePath : basePath + "/")
				+ "restyconfig/(stage|install|rollback/([^/]*))/?");
	}

	@Override
	public int getOrder() {
		return Ordered.HIGHEST_PRECEDENCE + 1000;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		if (!HttpMethod.POST.equals(exchange.getRequest().getMethod())) {
			return chain.filter(exchange);
		}
		Matcher matcher = this.path.matcher(exchange.getRequest().getPath().pathWithinApplication().value());
		if (!matcher.matches()) {
			return chain.filter(exchange);
		}
		ServerHttpResponse response = exchange.getResponse();
		if (!this.writable) {
			// The body is drained first, so that the connection stays usable for the next request.
			return exchange.getRequest()
				.getBody()
				.doOnNext(DataBufferUtils::release)
				.then(json(response, HttpStatus.METHOD_NOT_ALLOWED, Map.of("status", 405, "message",
						"restyconfig is read-only here (management.endpoint.restyconfig.access)")));
		}
		String action = matcher.group(1);
		if (action.equals("stage")) {
			return DataBufferUtils.join(exchange.getRequest().getBody(), MAX_BODY)
				.map(RestyConfigWriteFilter::text)
				.defaultIfEmpty("")
				.flatMap(body -> offLoop(() -> stage(body)))
				.onErrorResume(DataBufferLimitException.class,
						ex -> Mono.just(problems(List.of(new InvalidConfigSetException.Problem("body", "body",
								"larger than " + MAX_BODY + " bytes")))))
				.flatMap(answer -> json(response, answer.status(), answer.body()));
		}
		// Whatever body came with an install or a rollback is not read: drain it so the connection stays usable.
		Mono<Void> drained = exchange.getRequest().getBody().doOnNext(DataBufferUtils::release).then();
		Callable<Answer> work = action.equals("install") ? this::install : () -> rollback(matcher.group(2));
		return drained.then(offLoop(work)).flatMap(answer -> json(response, answer.status(), answer.body()));
	}

	private record Answer(HttpStatus status, Map<String, Object> body) {
	}

	private static Mono<Answer> offLoop(Callable<Answer> work) {
		// Checking filters, writing to Consul and waiting for the watch all block.
		return Mono.fromCallable(work).subscribeOn(Schedulers.boundedElastic());
	}

	private Answer stage(String body) {
		ConfigSet set;
		try {
			set = this.reader.read(body);
		}
		catch (InvalidConfigSetException ex) {
			return problems(ex.problems());
		}
		ConfigVersions.Staged staged = this.versions.stage(set);
		Map<String, Object> answer = new LinkedHashMap<>();
		answer.put("status", 200);
		answer.put("staged", RestyConfigEndpoint.staged(staged, false));
		ConfigVersions.Version current = this.versions.current();
		answer.put("current", current == null ? 0 : current.number());
		return new Answer(HttpStatus.OK, answer);
	}

	private Answer install() {
		try {
			return installed(this.versions.install());
		}
		catch (IllegalStateException ex) {
			return new Answer(HttpStatus.CONFLICT, Map.of("status", 409, "message", ex.getMessage()));
		}
		catch (ConfigVersions.InstallException ex) {
			return notInstalled(ex);
		}
	}

	private Answer rollback(String version) {
		long number;
		try {
			number = Long.parseLong(version);
		}
		catch (NumberFormatException ex) {
			return new Answer(HttpStatus.BAD_REQUEST, Map.of("status", 400, "field", "version", "message",
					"version: '" + version + "' is not a version number"));
		}
		try {
			return installed(this.versions.rollback(number));
		}
		catch (ConfigVersions.InstallException ex) {
			return notInstalled(ex);
		}
		catch (IllegalArgumentException ex) {
			return new Answer(HttpStatus.NOT_FOUND,
					Map.of("status", 404, "field", "version", "message", "version: " + ex.getMessage()));
		}
	}

	private static Answer installed(ConfigVersions.Installed installed) {
		Map<String, Object> answer = new LinkedHashMap<>();
		answer.put("status", 200);
		answer.putAll(RestyConfigEndpoint.version(installed.version(), false));
		answer.putAll(installed.details());
		return new Answer(HttpStatus.OK, answer);
	}

	private static Answer notInstalled(ConfigVersions.InstallException ex) {
		return new Answer(HttpStatus.SERVICE_UNAVAILABLE, Map.of("status", 503, "message",
				"not installed, nothing changed here (the set stays staged): " + ex.getMessage()));
	}

	private static Answer problems(List<InvalidConfigSetException.Problem> problems) {
		InvalidConfigSetException.Problem first = problems.get(0);
		Map<String, Object> answer = new LinkedHashMap<>();
		answer.put("status", 400);
		answer.put("key", first.key());
		answer.put("field", first.field());
		answer.put("message", first.message());
		answer.put("problems", problems.stream()
			.map(problem -> Map.of("key", problem.key(), "field", problem.field(), "problem", problem.problem()))
			.toList());
		return new Answer(HttpStatus.BAD_REQUEST, answer);
	}

	private static Mono<Void> json(ServerHttpResponse response, HttpStatus status, Map<String, Object> body) {
		byte[] bytes = mapper.writeValueAsBytes(body);
		response.setStatusCode(status);
		response.getHeaders().setContentType(MediaType.APPLICATION_JSON);
		response.getHeaders().setContentLength(bytes.length);
		return response.writeWith(Mono.fromSupplier(() -> response.bufferFactory().wrap(bytes)));
	}

	private static String text(DataBuffer buffer) {
		try {
			return buffer.toString(StandardCharsets.UTF_8);
		}
		finally {
			DataBufferUtils.release(buffer);
		}
	}

}
