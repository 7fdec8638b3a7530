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
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.restygateway.demo.DemoUpstreams;
import io.restygateway.test.LoopbackHttpServer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real deployment: the demo off, the user's own route in properties, proxied to a real backend on loopback.
 */
@SpringBootTest(classes = GatewayApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "management.server.port=0", "resty.demo.enabled=false" })
class UserRoutesTests {

	static final LoopbackHttpServer backend = LoopbackHttpServer.answering("text/plain",
			exchange -> ("backend saw " + exchange.getRequestMethod() + " " + exchange.getRequestURI())
				.getBytes(StandardCharsets.UTF_8));

	@LocalServerPort
	int port;

	@Autowired
	ApplicationContext context;

	@DynamicPropertySource
	static void route(DynamicPropertyRegistry registry) {
		registry.add("spring.cloud.gateway.server.webflux.routes[0].id", () -> "shop");
		registry.add("spring.cloud.gateway.server.webflux.routes[0].uri", backend::url);
		registry.add("spring.cloud.gateway.server.webflux.routes[0].predicates[0]", () -> "Path=/shop/**");
	}

	@AfterAll
	static void stopBackend() {
		backend.close();
	}

	@Test
	void proxiesTheUsersRouteToARealBackend() throws Exception {
		HttpResponse<String> answer = Http.getText("http://127.0.0.1:" + this.port + "/shop/cart?id=7");
		assertThat(answer.statusCode()).isEqualTo(200);
		assertThat(answer.body()).isEqualTo("backend saw GET /shop/cart?id=7");
	}

	@Test
	void theDemoIsOff() throws Exception {
		assertThat(this.context.getBeansOfType(DemoUpstreams.class)).isEmpty();
		assertThat(Http.getText("http://127.0.0.1:" + this.port + "/demo/text").statusCode()).isEqualTo(404);
	}

}
