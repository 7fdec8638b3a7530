package io.restygateway.compress;

import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.cloud.gateway.config.conditional.ConditionalOnEnabledFilter;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.restygateway.core.RestyFeatureReport;

/**
 * The {@code Zstd} and {@code Base64} filters, and the {@code zstd} coding for {@code ModifyResponseBody}.
 */
@AutoConfiguration
@ConditionalOnClass(GlobalFilter.class)
@ConditionalOnBooleanProperty(name = "resty.enabled", matchIfMissing = true)
@ConditionalOnBooleanProperty(name = "resty.compress.enabled", matchIfMissing = true)
public class CompressAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnEnabledFilter
	public Base64GatewayFilterFactory base64GatewayFilterFactory() {
		return new Base64GatewayFilterFactory();
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = "com.github.luben.zstd.ZstdCompressCtx")
	static class ZstdConfiguration {

		@Bean
		@ConditionalOnMissingBean
		@ConditionalOnEnabledFilter
		ZstdGatewayFilterFactory zstdGatewayFilterFactory(ObjectProvider<MeterRegistry> meters) {
			return new ZstdGatewayFilterFactory(meters);
		}

		@Bean
		@ConditionalOnMissingBean
		ZstdMessageBodyResolver zstdMessageBodyResolver() {
			return new ZstdMessageBodyResolver(1);
		}

		@Bean
		@ConditionalOnMissingBean(name = "compressReport")
		RestyFeatureReport compressReport() {
			return () -> "compression: Zstd (zstd-jni " + com.github.luben.zstd.util.ZstdVersion.VERSION
					+ ") and Base64 filters";
		}

	}

}
