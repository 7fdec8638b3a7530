package io.restygateway.app;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationContext;
import org.springframework.core.env.Environment;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.restygateway.core.RestyFeatureReport;
import io.restygateway.demo.DemoUpstreams;
import io.restygateway.proxy.LeanDispatchFilter;
import io.restygateway.test.LoopbackHttpServer;
import io.restygateway.upstream.UpstreamRegistry;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code resty.enabled=false}: the app starts as a plain Spring Cloud Gateway, the demo (which shows the features)
 * off with them, and the Consul Config jar the starter carries does not stop it for want of a Consul import.
 */
@SpringBootTest(classes = GatewayApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "management.server.port=0", "resty.enabled=false" })
class RestyDisabledTests {

	static final LoopbackHttpServer backend = LoopbackHttpServer.answering("text/plain",
			exchange -> ("backend saw " + exchange.getRequestURI()).getBytes(StandardCharsets.UTF_8));

	@LocalServerPort
	int port;

	@Autowired
	ApplicationContext context;

	@Autowired
	Environment environment;

	@DynamicPropertySource
	static void route(DynamicPropertyRegistry registry) {
		registry.add("spring.cloud.gateway.server.webflux.routes[0].id", () -> "plain");
		registry.add("spring.cloud.gateway.server.webflux.routes[0].uri", backend::url);
		registry.add("spring.cloud.gateway.server.webflux.routes[0].predicates[0]", () -> "Path=/plain/**");
	}

	@AfterAll
	static void stopBackend() {
		backend.close();
	}

	@Test
	void startsAndProxiesAsPlainSpringCloudGateway() throws Exception {
		HttpResponse<String> answer = Http.getText("http://127.0.0.1:" + this.port + "/plain/a?b=1");
		assertThat(answer.statusCode()).isEqualTo(200);
		assertThat(answer.body()).isEqualTo("backend saw /plain/a?b=1");
	}

	@Test
	void nothingOfOursIsLeft() {
		assertThat(this.context.getBeansOfType(DemoUpstreams.class)).isEmpty();
		assertThat(this.context.getBeansOfType(LeanDispatchFilter.class)).isEmpty();
		assertThat(this.context.getBeansOfType(UpstreamRegistry.class)).isEmpty();
		assertThat(this.context.getBeansOfType(RestyFeatureReport.class)).isEmpty();
		// Spring Cloud Gateway's own defaults, not ours.
		assertThat(this.environment.getProperty("spring.cloud.gateway.server.webflux.metrics.enabled")).isNull();
		assertThat(this.environment.getProperty("spring.cloud.gateway.server.webflux.route-filter-cache-enabled"))
			.isNull();
	}

	@Test
	void theCarriedConsulJarIsKeptQuiet() {
		assertThat(this.environment.getProperty("spring.cloud.consul.enabled")).isEqualTo("false");
	}

}
