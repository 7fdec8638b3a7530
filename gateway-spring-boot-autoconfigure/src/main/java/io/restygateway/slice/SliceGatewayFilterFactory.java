package io.restygateway.slice;

import java.time.Duration;
import java.util.List;

import reactor.netty.http.client.HttpClient;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.factory.AbstractGatewayFilterFactory;
import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter;
import org.springframework.util.unit.DataSize;

import io.restygateway.core.RouteConfig;

/**
 * {@code Slice}: nginx's slice module as a route filter. GET and HEAD requests are sent upstream as aligned range
 * slices ({@code Range: bytes=0-1048575}, {@code bytes=1048576-2097151}, ...), only those the client's request
 * needs, one at a time, each checked (206, exact Content-Range, the first slice's total and validator) before a byte
 * of it is sent; the client's conditions and ranges, If-Range included, are answered from them by RFC 9110.
 * <pre>
 * filters:
 *   - name: Slice
 *     args: {size: 1MB, cache: true, cache-max-size: 256MB, cache-ttl: 1h}
 * </pre>
 * Shortcut: {@code Slice=1MB}.
 */
public class SliceGatewayFilterFactory extends AbstractGatewayFilterFactory<SliceGatewayFilterFactory.Config> {

	/** The filter's name in route definitions. */
	public static final String NAME = "Slice";

	private final ObjectProvider<HttpClient> client;

	private final ObjectProvider<List<HttpHeadersFilter>> headersFilters;

	/**
	 * @param client Spring Cloud Gateway's HTTP client (its pool, timeouts and TLS)
	 * @param headersFilters Spring Cloud Gateway's header filters
	 */
	public SliceGatewayFilterFactory(ObjectProvider<HttpClient> client,
			ObjectProvider<List<HttpHeadersFilter>> headersFilters) {
		super(Config.class);
		this.client = client;
		this.headersFilters = headersFilters;
	}

	@Override
	public String name() {
		return NAME;
	}

	@Override
	public List<String> shortcutFieldOrder() {
		return List.of("size");
	}

	@Override
	public GatewayFilter apply(Config config) {
		String route = config.getRouteId();
		if (config.getSize() == null || config.getSize().toBytes() < 1) {
			throw new IllegalArgumentException(NAME + " on route '" + route + "': size: must be at least 1 byte, was "
					+ config.getSize());
		}
		if (config.getCacheMaxSize() == null || config.getCacheMaxSize().isNegative()) {
			throw new IllegalArgumentException(NAME + " on route '" + route
					+ "': cache-max-size: must not be negative, was " + config.getCacheMaxSize());
		}
		if (config.getCacheTtl() == null || config.getCacheTtl().isNegative()) {
			throw new IllegalArgumentException(NAME + " on route '" + route + "': cache-ttl: must not be negative, was "
					+ config.getCacheTtl());
		}
		List<HttpHeadersFilter> filters = this.headersFilters.getIfAvailable(List::of);
		SliceUpstream upstream = new SliceUpstream(this.client.getObject(), filters);
		SliceCache cache = config.isCache() && config.getCacheMaxSize().toBytes() > 0 && !config.getCacheTtl().isZero()
				? new SliceCache(config.getCacheMaxSize().toBytes(), config.getCacheTtl(),
						com.github.benmanes.caffeine.cache.Ticker.systemTicker())
				: null;
		return new SliceFilter(new SlicePlan(config.getSize().toBytes()), upstream,
				NAME + "{size=" + config.getSize().toBytes() + ", cache=" + (cache != null) + "}",
				route == null ? "" : route, cache);
	}

	/** The filter's arguments. */
	public static class Config extends RouteConfig {

		private DataSize size = DataSize.ofMegabytes(1);

		private boolean cache = true;

		private DataSize cacheMaxSize = DataSize.ofMegabytes(256);

		private Duration cacheTtl = Duration.ofHours(1);

		public DataSize getSize() {
			return this.size;
		}

		public Config setSize(DataSize size) {
			this.size = size;
			return this;
		}

		public boolean isCache() {
			return this.cache;
		}

		public Config setCache(boolean cache) {
			this.cache = cache;
			return this;
		}

		public DataSize getCacheMaxSize() {
			return this.cacheMaxSize;
		}

		public Config setCacheMaxSize(DataSize cacheMaxSize) {
			this.cacheMaxSize = cacheMaxSize;
			return this;
		}

		public Duration getCacheTtl() {
			return this.cacheTtl;
		}

		public Config setCacheTtl(Duration cacheTtl) {
			this.cacheTtl = cacheTtl;
			return this;
		}

	}

}
