package io.restygateway.upstream;

import java.net.URI;
import java.util.Map;

import org.springframework.cloud.client.ServiceInstance;

/**
 * A server of a Resty upstream as Spring Cloud LoadBalancer's {@link ServiceInstance}: it carries the upstream and
 * server it came from, so that the outcome of the request goes back to them.
 */
public final class UpstreamServiceInstance implements ServiceInstance {

	private final Upstream upstream;

	private final Upstream.Server server;

	UpstreamServiceInstance(Upstream upstream, Upstream.Server server) {
		this.upstream = upstream;
		this.server = server;
	}

	/** @return the upstream */
	public Upstream upstream() {
		return this.upstream;
	}

	/** @return the server */
	public Upstream.Server server() {
		return this.server;
	}

	@Override
	public String getInstanceId() {
		return this.server.id();
	}

	@Override
	public String getServiceId() {
		return this.upstream.name();
	}

	@Override
	public String getHost() {
		return this.server.host();
	}

	@Override
	public int getPort() {
		return this.server.port();
	}

	@Override
	public boolean isSecure() {
		return false;
	}

	@Override
	public URI getUri() {
		return URI.create("http://" + this.server.id());
	}

	@Override
	public Map<String, String> getMetadata() {
		return Map.of("level", Integer.toString(this.server.level()), "weight",
				Integer.toString(this.server.spec().weight()));
	}

	@Override
	public String toString() {
		return this.upstream.name() + "/" + this.server.id();
	}

}
