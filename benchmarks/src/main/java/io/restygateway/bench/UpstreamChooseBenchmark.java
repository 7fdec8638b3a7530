package io.restygateway.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import io.restygateway.upstream.Upstream;
import io.restygateway.upstream.UpstreamDefinition;

/**
 * The cost of choosing a server: {@link Upstream#choose} with smooth weighted round robin and with the weighted hash
 * ring, at 3, 30 and 300 servers in one level, uncontended. The goal in the upstreams issue is under 1 µs at 300
 * servers.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class UpstreamChooseBenchmark {

	@Param({ "3", "30", "300" })
	public int servers;

	@Param({ "round-robin", "consistent-hash" })
	public String balancer;

	private Upstream upstream;

	private String[] keys;

	private int next;

	@Setup
	public void setUp() {
		UpstreamDefinition definition = new UpstreamDefinition();
		UpstreamDefinition.Level level = new UpstreamDefinition.Level();
		for (int i = 0; i < this.servers; i++) {
			UpstreamDefinition.Server server = new UpstreamDefinition.Server();
			server.setHost("10.0." + (i / 250) + "." + (i % 250 + 1));
			server.setPort(8080);
			server.setWeight(1 + i % 3);
			level.getServers().add(server);
		}
		definition.setLevels(new ArrayList<>(List.of(level)));
		definition.setBalancer(this.balancer);
		this.upstream = new Upstream(definition.toSpec("bench"));
		this.keys = new String[1024];
		for (int i = 0; i < this.keys.length; i++) {
			this.keys[i] = "user-" + i * 7919;
		}
	}

	@Benchmark
	public Upstream.Server choose() {
		String key = this.keys[this.next++ & 1023];
		return this.upstream.choose(key, Set.of());
	}

}
