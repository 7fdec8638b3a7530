package io.restygateway.compress;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URL;
import java.util.List;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import org.springframework.core.io.AbstractResource;
import org.springframework.core.io.Resource;
import org.springframework.http.HttpHeaders;
import org.springframework.web.reactive.resource.AbstractResourceResolver;
import org.springframework.web.reactive.resource.HttpResource;
import org.springframework.web.reactive.resource.ResourceResolverChain;
import org.springframework.web.server.ServerWebExchange;

/**
 * zstd-nginx-module's {@code zstd_static on} for static resources: a request for {@code app.css} from a client whose
 * Accept-Encoding takes zstd (q-values honoured, unlike Spring's own EncodedResourceResolver, which matches the
 * token) is answered with {@code app.css.zst} when it sits beside it, with {@code Content-Encoding: zstd}, the
 * original's media type, and its own length. Either way a resource that has a {@code .zst} beside it is answered
 * with {@code Vary: Accept-Encoding}. A missing {@code .zst} falls back to the resource itself.
 * <pre>
 * registry.addResourceHandler("/resty/**")
 *     .addResourceLocations("classpath:/static/resty/")
 *     .resourceChain(false)
 *     .addResolver(new ZstdStaticResourceResolver());
 * </pre>
 * Without the chain's cache ({@code resourceChain(false)}): Spring's {@code CachingResourceResolver} keys its entries
 * by the codings it knows (br, gzip) and would hand a cached zstd answer to a client that refuses zstd.
 */
public class ZstdStaticResourceResolver extends AbstractResourceResolver {

	/** The file extension of precompressed resources. */
	public static final String EXTENSION = ".zst";

	@Override
	protected Mono<Resource> resolveResourceInternal(@Nullable ServerWebExchange exchange, String requestPath,
			List<? extends Resource> locations, ResourceResolverChain chain) {
		Mono<Resource> resolved = chain.resolveResource(exchange, requestPath, locations);
		if (exchange == null) {
			return resolved;
		}
		boolean accepted = AcceptEncoding
			.parse(exchange.getRequest().getHeaders().get(HttpHeaders.ACCEPT_ENCODING))
			.accepts("zstd");
		return resolved.map(resource -> {
			Resource compressed = compressed(resource);
			if (compressed == null) {
				return resource;
			}
			return accepted ? new Encoded(resource, compressed) : new Varying(resource);
		});
	}

	@Override
	protected Mono<String> resolveUrlPathInternal(String resourceUrlPath, List<? extends Resource> locations,
			ResourceResolverChain chain) {
		return chain.resolveUrlPath(resourceUrlPath, locations);
	}

	private static @Nullable Resource compressed(Resource resource) {
		String name = resource.getFilename();
		if (name == null || name.endsWith(EXTENSION)) {
			return null;
		}
		try {
			Resource sibling = resource.createRelative(name + EXTENSION);
			return sibling.isReadable() ? sibling : null;
		}
		catch (IOException ex) {
			return null;
		}
	}

	/** A resource of its own, answered with the Vary that its precompressed sibling calls for. */
	static class Varying extends AbstractResource implements HttpResource {

		private final Resource original;

		Varying(Resource original) {
			this.original = original;
		}

		Resource content() {
			return this.original;
		}

		@Override
		public InputStream getInputStream() throws IOException {
			return content().getInputStream();
		}

		@Override
		public boolean exists() {
			return content().exists();
		}

		@Override
		public boolean isReadable() {
			return content().isReadable();
		}

		@Override
		public URL getURL() throws IOException {
			return content().getURL();
		}

		@Override
		public URI getURI() throws IOException {
			return content().getURI();
		}

		@Override
		public File getFile() throws IOException {
			return content().getFile();
		}

		@Override
		public long contentLength() throws IOException {
			return content().contentLength();
		}

		@Override
		public long lastModified() throws IOException {
			return content().lastModified();
		}

		@Override
		public Resource createRelative(String relativePath) throws IOException {
			return this.original.createRelative(relativePath);
		}

		@Override
		public @Nullable String getFilename() {
			// The original's name, so that the media type is the original's.
			return this.original.getFilename();
		}

		@Override
		public String getDescription() {
			return content().getDescription();
		}

		@Override
		public HttpHeaders getResponseHeaders() {
			HttpHeaders headers = new HttpHeaders();
			headers.add(HttpHeaders.VARY, HttpHeaders.ACCEPT_ENCODING);
			return headers;
		}

	}

	/** The precompressed sibling, answered as the original in zstd. */
	static final class Encoded extends Varying {

		private final Resource compressed;

		Encoded(Resource original, Resource compressed) {
			super(original);
			this.compressed = compressed;
		}

		@Override
		Resource content() {
			return this.compressed;
		}

		@Override
		public HttpHeaders getResponseHeaders() {
			HttpHeaders headers = super.getResponseHeaders();
			headers.set(HttpHeaders.CONTENT_ENCODING, "zstd");
			return headers;
		}

	}

}
