package io.restygateway.config;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.factory.GatewayFilterFactory;
import org.springframework.cloud.gateway.handler.AsyncPredicate;
import org.springframework.cloud.gateway.handler.predicate.RoutePredicateFactory;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.route.RouteDefinition;
import org.springframework.cloud.gateway.support.ConfigurationService;
import org.springframework.cloud.gateway.support.HasRouteId;
import org.springframework.web.server.ServerWebExchange;

/**
 * Reads a route written as JSON, in the form the gateway actuator takes on {@code POST
 * /actuator/gateway/routes/{id}} (a Spring Cloud Gateway {@code RouteDefinition}: {@code uri}, {@code predicates},
 * {@code filters}, {@code metadata}, {@code order}, {@code enabled}; predicates and filters in either the shortcut
 * form {@code "Path=/shop/**"} or {@code {"name": ..., "args": {...}}}), and checks it the way
 * {@code RouteDefinitionRouteLocator} builds it: every predicate and filter is looked up among the context's
 * factories, its arguments bound and validated by a {@link ConfigurationService}, and the factory applied, so that
 * a route that would fail to build, or be silently dropped by the gateway, is refused here, with the field at fault.
 *
 * <p>Stricter than the actuator on purpose: unknown fields are refused (a misspelt {@code "predicate"} would
 * otherwise leave a route that matches every request), and so is a route without predicates.
 */
public final class RouteDocuments {

	private static final JsonMapper mapper = JsonMapper.builder()
		.enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
		.build();

	private final Map<String, RoutePredicateFactory<?>> predicates = new LinkedHashMap<>();

	private final Map<String, GatewayFilterFactory<?>> filters = new LinkedHashMap<>();

	private final ConfigurationService configuration;

	/**
	 * @param predicates the context's predicate factories, as the gateway's route locator gets them
	 * @param filters the context's filter factories
	 * @param configuration binds and validates arguments; one without an event publisher, so that checking a route
	 * does not announce arguments of a route that may never go live
	 */
	public RouteDocuments(List<? extends RoutePredicateFactory<?>> predicates,
			List<? extends GatewayFilterFactory<?>> filters, ConfigurationService configuration) {
		predicates.forEach(factory -> this.predicates.put(factory.name(), factory));
		filters.forEach(factory -> this.filters.put(factory.name(), factory));
		this.configuration = configuration;
	}

	/**
	 * Read and check one route.
	 * @param id the route's id, from its key
	 * @param json the document
	 * @return the definition, ready to serve, with {@code id} set
	 * @throws InvalidDocumentException naming the field at fault
	 */
	public RouteDefinition parse(String id, byte[] json) {
		RouteDefinition definition;
		try {
			definition = mapper.readValue(json, RouteDefinition.class);
		}
		catch (JacksonException ex) {
			throw new InvalidDocumentException(path(ex), ex.getOriginalMessage(), ex);
		}
		if (definition == null) {
			throw new InvalidDocumentException("body", "must be a JSON object, not null");
		}
		if (definition.getId() != null && !definition.getId().equals(id)) {
			// A copy of another route's document would otherwise shadow it, or be served under two names.
			throw new InvalidDocumentException("id",
					"is '" + definition.getId() + "' but the key names route '" + id + "' (leave it out, or make them match)");
		}
		definition.setId(id);
		validate(definition);
		return definition;
	}

	/**
	 * Check a definition by building it as the gateway would.
	 * @param definition a definition with its id set
	 * @throws InvalidDocumentException naming the field at fault
	 */
	public void validate(RouteDefinition definition) {
		String id = definition.getId();
		if (id == null || id.isBlank()) {
			throw new InvalidDocumentException("id", "is needed");
		}
		URI uri = definition.getUri();
		if (uri == null) {
			throw new InvalidDocumentException("uri", "is needed");
		}
		if (definition.getPredicates() == null || definition.getPredicates().isEmpty()) {
			// The gateway would match every request with it.
			throw new InvalidDocumentException("predicates", "must not be empty");
		}
		Route.AsyncBuilder builder;
		try {
			builder = Route.async(definition);
		}
		catch (RuntimeException ex) {
			throw new InvalidDocumentException("uri", message(ex), ex);
		}
		for (int i = 0; i < definition.getPredicates().size(); i++) {
			var predicate = definition.getPredicates().get(i);
			String field = "predicates[" + i + "]";
			if (predicate == null || predicate.getName() == null) {
				throw new InvalidDocumentException(field + ".name", "is needed");
			}
			RoutePredicateFactory<?> factory = this.predicates.get(predicate.getName());
			if (factory == null) {
				throw new InvalidDocumentException(field + ".name",
						"no predicate is called '" + predicate.getName() + "'; known: " + this.predicates.keySet());
			}
			Object config = bind(factory, predicate.getName(), predicate.getArgs(), field);
			try {
				builder.asyncPredicate(apply(factory, config));
			}
			catch (RuntimeException ex) {
				throw new InvalidDocumentException(field + ".args", message(ex), ex);
			}
		}
		for (int i = 0; i < definition.getFilters().size(); i++) {
			var filter = definition.getFilters().get(i);
			String field = "filters[" + i + "]";
			if (filter == null || filter.getName() == null) {
				throw new InvalidDocumentException(field + ".name", "is needed");
			}
			GatewayFilterFactory<?> factory = this.filters.get(filter.getName());
			if (factory == null) {
				throw new InvalidDocumentException(field + ".name",
						"no filter is called '" + filter.getName() + "'; known: " + this.filters.keySet());
			}
			Object config = bind(factory, filter.getName(), filter.getArgs(), field);
			if (config instanceof HasRouteId hasRouteId) {
				// As RouteDefinitionRouteLocator does: some filters need their route's id.
				hasRouteId.setRouteId(id);
			}
			try {
				builder.filter(applyFilter(factory, config));
			}
			catch (RuntimeException ex) {
				throw new InvalidDocumentException(field + ".args", message(ex), ex);
			}
		}
		try {
			builder.build();
		}
		catch (RuntimeException ex) {
			throw new InvalidDocumentException("body", message(ex), ex);
		}
	}

	@SuppressWarnings("unchecked")
	private Object bind(RoutePredicateFactory<?> factory, String name, Map<String, String> args, String field) {
		try {
			return this.configuration.with((RoutePredicateFactory<Object>) factory).name(name).properties(args).bind();
		}
		catch (RuntimeException ex) {
			throw bindFailure(field, ex);
		}
	}

	@SuppressWarnings("unchecked")
	private Object bind(GatewayFilterFactory<?> factory, String name, Map<String, String> args, String field) {
		try {
			return this.configuration.with((GatewayFilterFactory<Object>) factory).name(name).properties(args).bind();
		}
		catch (RuntimeException ex) {
			throw bindFailure(field, ex);
		}
	}

	private static InvalidDocumentException bindFailure(String field, RuntimeException ex) {
		String at = field + ".args";
		if (ex instanceof BindException bind) {
			String property = bind.getProperty() != null ? bind.getProperty().getName().toString()
					: bind.getName().toString();
			if (!property.isEmpty()) {
				at = at + "." + property;
			}
		}
		return new InvalidDocumentException(at, message(ex), ex);
	}

	@SuppressWarnings({ "unchecked", "rawtypes" })
	private static AsyncPredicate<ServerWebExchange> apply(RoutePredicateFactory factory, Object config) {
		return factory.applyAsync(config);
	}

	@SuppressWarnings({ "unchecked", "rawtypes" })
	private static GatewayFilter applyFilter(GatewayFilterFactory factory, Object config) {
		return factory.apply(config);
	}

	/** The deepest cause's message, which says what is wrong rather than where it was noticed. */
	static String message(Throwable ex) {
		Throwable cause = ex;
		String message = ex.getMessage();
		while (cause.getCause() != null && cause.getCause() != cause) {
			cause = cause.getCause();
			if (cause.getMessage() != null) {
				message = cause.getMessage();
			}
		}
		return message == null ? ex.getClass().getSimpleName() : message.replaceAll("\\s+", " ").trim();
	}

	/** Where Jackson stopped, as {@code filters[0].args}; {@code body} when it had not gone into the document. */
	static String path(JacksonException ex) {
		StringBuilder path = new StringBuilder();
		for (JacksonException.Reference reference : ex.getPath()) {
			if (reference.getPropertyName() != null) {
				if (!path.isEmpty()) {
					path.append('.');
				}
				path.append(reference.getPropertyName());
			}
			else if (reference.getIndex() >= 0) {
				path.append('[').append(reference.getIndex()).append(']');
			}
		}
		return path.isEmpty() ? "body" : path.toString();
	}

}
