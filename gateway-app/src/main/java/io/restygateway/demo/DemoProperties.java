package io.restygateway.demo;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * The embedded demo, under {@code resty.demo}.
 */
@ConfigurationProperties("resty.demo")
public class DemoProperties {

	/**
	 * Whether to start the demo upstream servers on loopback and the demo routes to them. Turn it off in a real
	 * deployment.
	 */
	private boolean enabled = true;

	/**
	 * How many demo upstream servers to start (each answers with its own name in X-Demo-Server).
	 */
	private int servers = 3;

	/**
	 * The size of the demo's large file, served with ETag, Last-Modified and byte ranges.
	 */
	private DataSize largeFileSize = DataSize.ofMegabytes(8);

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public int getServers() {
		return this.servers;
	}

	public void setServers(int servers) {
		this.servers = servers;
	}

	public DataSize getLargeFileSize() {
		return this.largeFileSize;
	}

	public void setLargeFileSize(DataSize largeFileSize) {
		this.largeFileSize = largeFileSize;
	}

}
