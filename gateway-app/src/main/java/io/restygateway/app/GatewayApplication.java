package io.restygateway.app;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

import io.restygateway.demo.DemoConfiguration;

/**
 * The runnable Resty Gateway: the starter, plus the embedded demo ({@code resty.demo.enabled}, on by default) so
 * that {@code java -jar gateway-app.jar} shows every feature working with nothing else installed.
 */
@SpringBootApplication(scanBasePackageClasses = { GatewayApplication.class, DemoConfiguration.class })
public class GatewayApplication {

	public static void main(String[] args) {
		SpringApplication.run(GatewayApplication.class, args);
	}

}
