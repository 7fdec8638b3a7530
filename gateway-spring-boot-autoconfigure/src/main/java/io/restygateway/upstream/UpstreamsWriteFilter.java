package io.restygateway.upstream;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import reactor.core.publisher.Mono;
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
 * {@code POST} (or {@code PUT}) {@code /actuator/upstreams/{name}} with a JSON body in the schema of
 * {@code resty.upstreams.<name>}: creates or replaces the upstream atomically, with no restart (201 when created,
 * 200 when replaced). Bad input gets 400 with the field at fault, and the upstream that was there keeps serving.
 *
 * <p>A filter on the management server rather than an endpoint operation: an operation maps a JSON body's
 * top-level keys to Java parameters, which cannot be named {@code try} or {@code hash-key}.
 */
public class UpstreamsWriteFilter implements WebFilter, Ordered {

	/** The largest body accepted. */
	static final int MAX_BODY = 256 * 1024;

	private static final JsonMapper mapper = JsonMapper.builder().build();

	private final UpstreamRegistry registry;

	private final Pattern path;

	/**
	 * @param registry the upstreams
	 * @param basePath the actuator's base path, e.g. {@code /actuator}
	 */
	public UpstreamsWriteFilter(UpstreamRegistry registry, String basePath) {
		this.registry = registry;
		this.path = Pattern.compile(Pattern.quote(basePath.endsWith("/") ? basePath : basePath + "/")
				+ "upstreams/([^/]+)/?");
	}

	@Override
	public int getOrder() {
		return Ordered.HIGHEST_PRECEDENCE + 1000;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		HttpMethod method = exchange.getRequest().getMethod();
		if (!HttpMethod.POST.equals(method) && !HttpMethod.PUT.equals(method)) {
			return chain.filter(exchange);
		}
		Matcher matcher = this.path.matcher(exchange.getRequest().getPath().pathWithinApplication().value());
		if (!matcher.matches()) {
			return chain.filter(exchange);
		}
		String name = matcher.group(1);
		return DataBufferUtils.join(exchange.getRequest().getBody(), MAX_BODY)
			.map(UpstreamsWriteFilter::text)
			.defaultIfEmpty("")
			.flatMap(body -> write(exchange.getResponse(), name, body))
			.onErrorResume(DataBufferLimitException.class,
					ex -> bad(exchange.getResponse(), "body", "larger than " + MAX_BODY + " bytes"));
	}

	private Mono<Void> write(ServerHttpResponse response, String name, String body) {
		if (body.isBlank()) {
			return bad(response, "body", "a JSON object with the upstream's levels is required");
		}
		UpstreamSpec spec;
		try {
			spec = UpstreamJson.parse(name, body);
		}
		catch (InvalidUpstreamException ex) {
			return bad(response, ex.field(), ex.problem());
		}
		boolean created = this.registry.get(name) == null;
		Upstream upstream = this.registry.put(spec);
		Map<String, Object> answer = new LinkedHashMap<>();
		answer.put("status", created ? 201 : 200);
		answer.put("upstream", name);
		answer.put("version", this.registry.version());
		answer.put("definition", UpstreamsEndpoint.view(upstream));
		return json(response, created ? HttpStatus.CREATED : HttpStatus.OK, answer);
	}

	private static Mono<Void> bad(ServerHttpResponse response, String field, String message) {
		Map<String, Object> answer = new LinkedHashMap<>();
		answer.put("status", 400);
		answer.put("field", field);
		answer.put("message", field + ": " + message);
		return json(response, HttpStatus.BAD_REQUEST, answer);
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
