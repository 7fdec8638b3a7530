package io.restygateway.core;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.context.ApplicationEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.core.env.Environment;

/**
 * Prints, once the application is ready, the URLs of the gateway and its management server and one short line per
 * active feature ({@link RestyFeatureReport}).
 */
public class RestyStartupReporter implements ApplicationListener<ApplicationEvent> {

	private static final Log logger = LogFactory.getLog(RestyStartupReporter.class);

	private final ObjectProvider<RestyFeatureReport> reports;

	private final Environment environment;

	private final Map<String, Integer> ports = new ConcurrentHashMap<>();

	private volatile boolean reported;

	public RestyStartupReporter(ObjectProvider<RestyFeatureReport> reports, Environment environment) {
		this.reports = reports;
		this.environment = environment;
	}

	@Override
	public void onApplicationEvent(ApplicationEvent event) {
		if (event instanceof WebServerInitializedEvent initialized) {
			String namespace = WebServerApplicationContext.getServerNamespace(initialized.getApplicationContext());
			this.ports.put(namespace == null ? "server" : namespace, initialized.getWebServer().getPort());
		}
		else if (event instanceof ApplicationReadyEvent && !this.reported) {
			this.reported = true;
			lines().forEach(logger::info);
		}
	}

	/**
	 * @return the report: a first line with the URLs, then one line per feature
	 */
	public List<String> lines() {
		StringBuilder first = new StringBuilder("Resty Gateway");
		Integer port = this.ports.get("server");
		if (port != null) {
			first.append(" serving on ").append(url("server.address", port, ""));
		}
		Integer management = this.ports.get("management");
		String basePath = this.environment.getProperty("management.endpoints.web.base-path", "/actuator");
		if (management != null) {
			first.append(", management on ").append(url("management.server.address", management, basePath));
		}
		else if (port != null) {
			first.append(", management on ").append(url("server.address", port, basePath));
		}
		return Stream.concat(Stream.of(first.toString()),
					this.reports.orderedStream().map(report -> "  " + report.line()))
			.toList();
	}

	private String url(String addressProperty, int port, String path) {
		String address = this.environment.getProperty(addressProperty, "");
		String host = address.isBlank() || "0.0.0.0".equals(address) || "::".equals(address) ? "localhost" : address;
		if (host.contains(":") && !host.startsWith("[")) {
			host = "[" + host + "]";
		}
		return "http://" + host + ":" + port + path;
	}

}
