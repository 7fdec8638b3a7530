package io.restygateway.upstream;

import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The upstreams declared in configuration: {@code resty.upstreams.<name>}; a route reaches one with
 * {@code uri: lb://<name>}.
 */
@ConfigurationProperties("resty")
public class UpstreamProperties {

	/**
	 * The upstreams, by name. A route uses one with uri: lb://NAME; a name that is no upstream here falls back to
	 * Spring Cloud's service discovery.
	 */
	private Map<String, UpstreamDefinition> upstreams = new LinkedHashMap<>();

	public Map<String, UpstreamDefinition> getUpstreams() {
		return this.upstreams;
	}

	public void setUpstreams(Map<String, UpstreamDefinition> upstreams) {
		this.upstreams = upstreams;
	}

}
