package io.restygateway.app;

import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.config.ResourceHandlerRegistry;
import org.springframework.web.reactive.config.WebFluxConfigurer;

import io.restygateway.compress.ZstdStaticResourceResolver;

/**
 * The gateway's own status page, {@code /resty/}: static files, served from their precompressed {@code .zst}
 * siblings to clients that take zstd (nginx's {@code zstd_static on}). A gateway route that matches {@code /resty/**}
 * comes first: routes are looked up before static resources.
 */
@Configuration(proxyBeanMethods = false)
class StatusPageConfiguration implements WebFluxConfigurer {

	@Override
	public void addResourceHandlers(ResourceHandlerRegistry registry) {
		registry.addResourceHandler("/resty/**")
			.addResourceLocations("classpath:/static/resty/")
			// No resolver cache: Spring's caches resolved resources by the codings it knows (br, gzip), so it would
			// hand a cached zstd answer to a client that refuses zstd.
			.resourceChain(false)
			.addResolver(new ZstdStaticResourceResolver());
	}

}
