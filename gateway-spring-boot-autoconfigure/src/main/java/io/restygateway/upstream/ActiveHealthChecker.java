package io.restygateway.upstream;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

import io.netty.channel.ChannelOption;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.tcp.TcpClient;

import io.restygateway.upstream.UpstreamSpec.ActiveCheck;
import io.restygateway.upstream.UpstreamSpec.CheckType;

/**
 * Runs the active health checks of every upstream that has them, off the request path: each server is checked
 * every {@code interval} give or take 10 % (the first check after a random part of one interval, so that servers
 * are not all checked at once), an HTTP GET of {@code path} judged by its status, or a TCP connect, bounded by
 * {@code timeout}. Results
 * go to {@link Upstream#checked}. An upstream created, replaced or removed at run time gets its checks started or
 * stopped at once.
 */
public class ActiveHealthChecker implements AutoCloseable {

	private static final Log logger = LogFactory.getLog(ActiveHealthChecker.class);

	private final UpstreamRegistry registry;

	private final Map<String, Disposable> running = new ConcurrentHashMap<>();

	private final Scheduler scheduler;

	private final ConnectionProvider connections;

	private final HttpClient http;

	/**
	 * @param registry the upstreams whose checks to run, now and as they change
	 */
	public ActiveHealthChecker(UpstreamRegistry registry) {
		this.registry = registry;
		this.scheduler = Schedulers.newParallel("resty-health", 1, true);
		// Checks never share a connection with requests, nor keep one: each check is a fresh connection, as a
		// client arriving after a restart would make.
		this.connections = ConnectionProvider.newConnection();
		this.http = HttpClient.create(this.connections).disableRetry(true).followRedirect(false);
	}

	/** Start the checks of every upstream, and follow the registry's changes. */
	public void start() {
		this.registry.addListener(change -> {
			stop(change.name());
			if (change.current() != null) {
				start(change.current());
			}
		});
		this.registry.all().values().forEach(this::start);
	}

	private void start(Upstream upstream) {
		ActiveCheck check = upstream.spec().active();
		if (check.type() == CheckType.NONE) {
			return;
		}
		Disposable.Composite all = Disposables.composite();
		for (Upstream.Server server : upstream.servers()) {
			// One check, then a pause of the interval give or take 10 %, again and again: servers checked at the
			// same moment drift apart instead of probing in step.
			Mono<Void> cycle = Mono.defer(() -> probe(server, check))
				.doOnNext(result -> upstream.checked(server, result.ok(), result.message()))
				.then(Mono.defer(() -> Mono.delay(jittered(check.interval()), this.scheduler)))
				.then();
			Duration first = Duration.ofMillis(ThreadLocalRandom.current().nextLong(Math.max(1, check.interval().toMillis())));
			all.add(Mono.delay(first, this.scheduler)
				.thenMany(cycle.repeat())
				.subscribe(done -> {
				}, error -> logger.warn("health checks of " + upstream.name() + " stopped", error)));
		}
		Disposable previous = this.running.put(upstream.name(), all);
		if (previous != null) {
			previous.dispose();
		}
	}

	/**
	 * @param interval the configured interval
	 * @return the interval give or take up to 10 %, at least one millisecond
	 */
	static Duration jittered(Duration interval) {
		long millis = interval.toMillis();
		long spread = millis / 10;
		long jitter = spread == 0 ? 0 : ThreadLocalRandom.current().nextLong(-spread, spread + 1);
		return Duration.ofMillis(Math.max(1, millis + jitter));
	}

	private void stop(String name) {
		Disposable checks = this.running.remove(name);
		if (checks != null) {
			checks.dispose();
		}
	}

	/**
	 * Check one server once.
	 * @param server the server
	 * @param check how
	 * @return what the check saw; never an error
	 */
	Mono<Result> probe(Upstream.Server server, ActiveCheck check) {
		int timeout = (int) Math.min(Integer.MAX_VALUE, check.timeout().toMillis());
		Mono<Result> probe;
		if (check.type() == CheckType.TCP) {
			probe = TcpClient.create(this.connections)
				.host(server.host())
				.port(server.port())
				.option(ChannelOption.CONNECT_TIMEOUT_MILLIS, timeout)
				.connect()
				.map(connection -> {
					connection.dispose();
					return new Result(true, "connected");
				});
		}
		else {
			probe = this.http.option(ChannelOption.CONNECT_TIMEOUT_MILLIS, timeout)
				.responseTimeout(check.timeout())
				.get()
				.uri("http://" + server.id() + check.path())
				.responseSingle((response, body) -> body.then(Mono.fromSupplier(() -> {
					int status = response.status().code();
					return new Result(check.statuses().contains(status), "status " + status);
				})));
		}
		return probe.timeout(check.timeout().plusMillis(100))
			.onErrorResume(error -> Mono.just(new Result(false, UpstreamFailure.of(error).reason())));
	}

	@Override
	public void close() {
		List.copyOf(this.running.keySet()).forEach(this::stop);
		this.scheduler.dispose();
		this.connections.dispose();
	}

	/**
	 * @param ok whether the check passed
	 * @param message what it saw
	 */
	record Result(boolean ok, String message) {
	}

}
