package io.restygateway.config;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.regex.Pattern;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.cloud.gateway.route.RouteDefinition;

import io.restygateway.upstream.InvalidUpstreamException;
import io.restygateway.upstream.UpstreamJson;
import io.restygateway.upstream.UpstreamRegistry;
import io.restygateway.upstream.UpstreamSpec;

/**
 * Applies snapshots of a key layout to the live routes and upstreams:
 * <ul>
 * <li>{@code routes/<id>}: one route as JSON ({@link RouteDocuments}), served by {@link LiveRoutes};</li>
 * <li>{@code upstreams/<name>}: one upstream as JSON in the schema of {@code resty.upstreams.<name>}
 * ({@link UpstreamJson}), put into the {@link UpstreamRegistry} (and removed from it when the key goes).</li>
 * </ul>
 * Only keys whose bytes changed since the last snapshot are read again. A document that does not parse or validate
 * is refused: the {@link Rejection} names the key and the field, and the key keeps serving its last good version
 * (or nothing, if it never had one). Deleting a key removes what it served. Other keys are left alone, so that other
 * tools can keep their own keys under the same prefix.
 *
 * <p>Names already declared locally ({@code spring.cloud.gateway.server.webflux.routes},
 * {@code resty.upstreams}) are refused, as slardar ignores a store entry for a host its local config defines: the
 * local definition wins, and deleting the key can never remove it.
 *
 * <p>Not thread-safe: one source thread calls {@link #apply}.
 */
public final class LayoutApplier {

	private static final Log logger = LogFactory.getLog(LayoutApplier.class);

	/** The names an upstream may have, as the upstreams endpoint takes them. */
	private static final Pattern UPSTREAM_NAME = Pattern.compile("[-_a-zA-Z0-9.]+");

	/** The folder of routes in the layout. */
	public static final String ROUTES = "routes/";

	/** The folder of upstreams in the layout. */
	public static final String UPSTREAMS = "upstreams/";

	/**
	 * A document refused.
	 * @param source the source, e.g. {@code consul}
	 * @param key the full key, e.g. {@code resty/routes/shop}
	 * @param field the field at fault in the document, {@code body} for the whole of it, {@code key} for its name
	 * @param problem what is wrong
	 * @param at when it was refused
	 * @param keptLastGood whether an earlier good version of the key is still served
	 */
	public record Rejection(String source, String key, String field, String problem, Instant at,
			boolean keptLastGood) {
	}

	/**
	 * What one snapshot changed.
	 * @param routeKeys the full keys of the routes created, replaced or removed
	 * @param upstreams the names of the upstreams created, replaced or removed
	 * @param rejected the documents refused
	 */
	public record Outcome(Set<String> routeKeys, Set<String> upstreams, List<Rejection> rejected) {

		/** @return whether anything live changed */
		public boolean changed() {
			return !this.routeKeys.isEmpty() || !this.upstreams.isEmpty();
		}

	}

	private final String source;

	private final String prefix;

	private final RouteDocuments documents;

	private final LiveRoutes routes;

	private final UpstreamRegistry upstreams;

	private final Set<String> localRouteIds;

	private final Set<String> localUpstreams;

	private final Consumer<Rejection> onRejection;

	private final Clock clock;

	private final Map<String, byte[]> seen = new TreeMap<>();

	private final Set<String> ownedUpstreams = new HashSet<>();

	private final Set<String> ignored = new HashSet<>();

	private volatile Map<String, Rejection> rejections = Map.of();

	private volatile int upstreamCount;

	/**
	 * @param source the source's name, for logs, metrics and {@link Rejection}s
	 * @param prefix the prefix of the keys, to name them in full (e.g. {@code resty/})
	 * @param documents reads and checks routes
	 * @param routes where good routes go
	 * @param upstreams where good upstreams go
	 * @param localRouteIds route ids declared locally, which the source may not redefine
	 * @param localUpstreams upstream names declared locally, which the source may not redefine
	 * @param onRejection told of each refused document, after it is logged
	 * @param clock the wall clock
	 */
	public LayoutApplier(String source, String prefix, RouteDocuments documents, LiveRoutes routes,
			UpstreamRegistry upstreams, Set<String> localRouteIds, Set<String> localUpstreams,
			Consumer<Rejection> onRejection, Clock clock) {
		this.source = source;
		this.prefix = prefix;
		this.documents = documents;
		this.routes = routes;
		this.upstreams = upstreams;
		this.localRouteIds = Set.copyOf(localRouteIds);
		this.localUpstreams = Set.copyOf(localUpstreams);
		this.onRejection = onRejection;
		this.clock = clock;
	}

	/**
	 * Apply a whole snapshot: what changed since the last one is read, what is gone is removed.
	 * @param snapshot every key under the prefix, relative to it, with its value
	 * @return what changed
	 */
	public Outcome apply(SortedMap<String, byte[]> snapshot) {
		Set<String> changed = new LinkedHashSet<>();
		for (Map.Entry<String, byte[]> entry : snapshot.entrySet()) {
			byte[] before = this.seen.get(entry.getKey());
			if (before == null || !Arrays.equals(before, entry.getValue())) {
				changed.add(entry.getKey());
			}
		}
		Set<String> removed = new LinkedHashSet<>(this.seen.keySet());
		removed.removeAll(snapshot.keySet());
		Map<String, Rejection> rejected = new TreeMap<>(this.rejections);
		List<Rejection> refused = new ArrayList<>();
		Set<String> routeKeys = new LinkedHashSet<>();
		Set<String> upstreamNames = new LinkedHashSet<>();
		// Upstreams first, so that a route added with its upstream finds it; removed ones last, so that a route
		// removed with its upstream is gone before it.
		for (String key : changed) {
			if (key.startsWith(UPSTREAMS)) {
				putUpstream(key, snapshot.get(key), upstreamNames, rejected, refused);
			}
		}
		for (String key : changed) {
			if (key.startsWith(ROUTES)) {
				putRoute(key, snapshot.get(key), routeKeys, rejected, refused);
			}
			else if (!key.startsWith(UPSTREAMS) && this.ignored.add(key)) {
				logger.info("Ignoring " + this.source + " key " + this.prefix + key + ": only " + this.prefix + ROUTES
						+ "<id> and " + this.prefix + UPSTREAMS + "<name> are read");
			}
		}
		for (String key : removed) {
			rejected.remove(this.prefix + key);
			this.ignored.remove(key);
			if (key.startsWith(ROUTES) && this.routes.remove(this.prefix + key)) {
				routeKeys.add(this.prefix + key);
				logger.info("Removed route " + key.substring(ROUTES.length()) + ": " + this.source + " key "
						+ this.prefix + key + " was deleted");
			}
		}
		for (String key : removed) {
			String name = key.substring(Math.min(key.length(), UPSTREAMS.length()));
			if (key.startsWith(UPSTREAMS) && this.ownedUpstreams.remove(name)) {
				this.upstreams.remove(name);
				upstreamNames.add(name);
				logger.info("Removed upstream " + name + ": " + this.source + " key " + this.prefix + key
						+ " was deleted");
			}
		}
		this.seen.keySet().removeAll(removed);
		for (String key : changed) {
			this.seen.put(key, snapshot.get(key).clone());
		}
		this.rejections = Collections.unmodifiableMap(rejected);
		this.upstreamCount = this.ownedUpstreams.size();
		return new Outcome(Collections.unmodifiableSet(routeKeys), Collections.unmodifiableSet(upstreamNames),
				List.copyOf(refused));
	}

	/** @return how many upstreams this source serves */
	public int upstreamCount() {
		return this.upstreamCount;
	}

	/** @return the documents refused and not since fixed or deleted, by full key */
	public Map<String, Rejection> rejections() {
		return this.rejections;
	}

	private void putRoute(String key, byte[] value, Set<String> routeKeys, Map<String, Rejection> rejected,
			List<Rejection> refused) {
		String id = key.substring(ROUTES.length());
		String fullKey = this.prefix + key;
		try {
			if (id.contains("/")) {
				throw new InvalidDocumentException("key", "a route id cannot contain '/'");
			}
			if (this.localRouteIds.contains(id)) {
				throw new InvalidDocumentException("id", "route '" + id
						+ "' is declared in spring.cloud.gateway.server.webflux.routes; the local definition wins");
			}
			RouteDefinition definition = this.documents.parse(id, value);
			this.routes.put(fullKey, definition);
			routeKeys.add(fullKey);
			rejected.remove(fullKey);
			logger.info("Applied route " + id + " from " + this.source + " key " + fullKey);
		}
		catch (InvalidDocumentException ex) {
			refuse(fullKey, ex.field(), ex.problem(), this.routes.get(fullKey) != null, rejected, refused);
		}
	}

	private void putUpstream(String key, byte[] value, Set<String> upstreamNames, Map<String, Rejection> rejected,
			List<Rejection> refused) {
		String name = key.substring(UPSTREAMS.length());
		String fullKey = this.prefix + key;
		try {
			if (!UPSTREAM_NAME.matcher(name).matches()) {
				throw new InvalidDocumentException("key", "an upstream name is made of letters, digits and -_.");
			}
			if (this.localUpstreams.contains(name)) {
				throw new InvalidDocumentException("name",
						"upstream '" + name + "' is declared in resty.upstreams; the local definition wins");
			}
			UpstreamSpec spec;
			try {
				spec = UpstreamJson.parse(name, new String(value, StandardCharsets.UTF_8));
			}
			catch (InvalidUpstreamException ex) {
				throw new InvalidDocumentException(ex.field(), ex.problem(), ex);
			}
			this.upstreams.put(spec);
			this.ownedUpstreams.add(name);
			upstreamNames.add(name);
			rejected.remove(fullKey);
			logger.info("Applied upstream " + name + " from " + this.source + " key " + fullKey);
		}
		catch (InvalidDocumentException ex) {
			refuse(fullKey, ex.field(), ex.problem(), this.ownedUpstreams.contains(name), rejected, refused);
		}
	}

	private void refuse(String fullKey, String field, String problem, boolean keptLastGood,
			Map<String, Rejection> rejected, List<Rejection> refused) {
		Rejection rejection = new Rejection(this.source, fullKey, field, problem, this.clock.instant(), keptLastGood);
		rejected.put(fullKey, rejection);
		refused.add(rejection);
		logger.warn("Refused " + this.source + " key " + fullKey + ": " + field + ": " + problem
				+ (keptLastGood ? " (its last good version keeps serving)" : " (nothing is served for it)"));
		try {
			this.onRejection.accept(rejection);
		}
		catch (RuntimeException ex) {
			logger.warn("Could not record the refusal of " + fullKey, ex);
		}
	}

}
