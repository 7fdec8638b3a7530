package io.restygateway.upstream;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.ToDoubleFunction;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * Micrometer meters per upstream server, tagged {@code upstream}, {@code server} ({@code host:port}) and
 * {@code level}: {@code resty.upstream.requests}, {@code resty.upstream.failures} and
 * {@code resty.upstream.ejections} (counters), {@code resty.upstream.selectable} (1 when the server may be chosen,
 * 0 when it is err) and {@code resty.upstream.effective.weight} (gauges). They follow the registry: an upstream
 * replaced or removed at run time has its meters replaced or removed. Spring Cloud LoadBalancer's own
 * {@code loadbalancer.requests.*} meters, when enabled, count the same requests by service id.
 */
public class UpstreamMetrics implements MeterBinder {

	private final UpstreamRegistry registry;

	private final Map<String, List<Meter>> meters = new ConcurrentHashMap<>();

	public UpstreamMetrics(UpstreamRegistry registry) {
		this.registry = registry;
	}

	@Override
	public void bindTo(MeterRegistry meterRegistry) {
		this.registry.addListener(change -> {
			remove(meterRegistry, change.name());
			if (change.current() != null) {
				add(meterRegistry, change.current());
			}
		});
		this.registry.all().values().forEach(upstream -> add(meterRegistry, upstream));
	}

	private void add(MeterRegistry meterRegistry, Upstream upstream) {
		List<Meter> added = new CopyOnWriteArrayList<>();
		for (Upstream.Server server : upstream.servers()) {
			Tags tags = Tags.of("upstream", upstream.name(), "server", server.id(), "level",
					Integer.toString(server.level()));
			added.add(counter(meterRegistry, "resty.upstream.requests", "Requests sent to the server", tags, upstream,
					server, report -> report.requests()));
			added.add(counter(meterRegistry, "resty.upstream.failures",
					"Requests to the server that failed (connect failure, timeout, failing status)", tags, upstream,
					server, report -> report.failures()));
			added.add(counter(meterRegistry, "resty.upstream.ejections", "Times the server was passively ejected",
					tags, upstream, server, report -> report.ejections()));
			added.add(Gauge.builder("resty.upstream.selectable", upstream,
					u -> u.report(server).status() == HealthStatus.ERR ? 0 : 1)
				.description("1 when the server may be chosen, 0 when it is err")
				.tags(tags)
				.register(meterRegistry));
			added.add(Gauge.builder("resty.upstream.effective.weight", upstream, u -> u.report(server).effectiveWeight())
				.description("The server's round-robin weight now, lowered by recent failures")
				.tags(tags)
				.register(meterRegistry));
		}
		this.meters.put(upstream.name(), added);
	}

	private static Meter counter(MeterRegistry meterRegistry, String name, String description, Tags tags,
			Upstream upstream, Upstream.Server server, ToDoubleFunction<Upstream.ServerReport> value) {
		return FunctionCounter.builder(name, upstream, u -> value.applyAsDouble(u.report(server)))
			.description(description)
			.tags(tags)
			.register(meterRegistry);
	}

	private void remove(MeterRegistry meterRegistry, String name) {
		List<Meter> old = this.meters.remove(name);
		if (old != null) {
			old.forEach(meterRegistry::remove);
		}
	}

}
