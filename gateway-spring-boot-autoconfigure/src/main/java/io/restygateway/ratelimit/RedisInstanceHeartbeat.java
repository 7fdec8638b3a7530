package io.restygateway.ratelimit;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.context.SmartLifecycle;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;

/**
 * Each instance writes a heartbeat into one sorted set in Redis ({@code PREFIX + "instances"}) and reads how many
 * instances are alive: the count by which the rate is divided while Redis is away. At start it has the backend make
 * the connection to Redis, on its own thread, and waits up to 2 s for it, so that a healthy Redis decides the first
 * request; beats wait until the connection exists, so that they never make it themselves.
 */
public class RedisInstanceHeartbeat implements SmartLifecycle {

	private static final Log logger = LogFactory.getLog(RedisInstanceHeartbeat.class);

	private static final RedisScript<Long> SCRIPT = RedisScript
		.of(RedisGcraStore.read("META-INF/scripts/resty-instances.lua"), Long.class);

	private final ReactiveStringRedisTemplate redis;

	private final RedisLimitBackend backend;

	private final Duration every;

	private final String key;

	private final String id = UUID.randomUUID().toString();

	private volatile Disposable beating;

	/**
	 * @param redis the connection
	 * @param backend told the count
	 * @param every how often to beat
	 */
	public RedisInstanceHeartbeat(ReactiveStringRedisTemplate redis, RedisLimitBackend backend, Duration every) {
		this.redis = redis;
		this.backend = backend;
		this.every = every;
		this.key = backend.keyPrefix() + "instances";
	}

	/**
	 * Beat once.
	 * @return the number of live instances, or empty when Redis did not answer in time
	 */
	public Mono<Long> beat() {
		long aliveMs = Math.max(3 * this.every.toMillis(), 1000);
		if (!this.backend.connected()) {
			// Making the connection can block: the backend does it on its own thread.
			this.backend.connect();
			return Mono.empty();
		}
		return this.redis.execute(SCRIPT, List.of(this.key), List.of(this.id, Long.toString(aliveMs)))
			.next()
			.timeout(Duration.ofSeconds(2))
			.doOnNext(count -> this.backend.instancesSeen(count.intValue()))
			.onErrorResume(error -> {
				logger.debug("rate-limit heartbeat to Redis failed: " + error);
				return Mono.empty();
			});
	}

	@Override
	public void start() {
		// A healthy Redis is connected before the first request; a hung or absent one delays the start by 2 s at most.
		this.backend.connectAndWait(Duration.ofSeconds(2));
		this.beating = Flux.interval(Duration.ZERO, this.every)
			.onBackpressureDrop()
			.concatMap(tick -> beat(), 1)
			.subscribe();
	}

	@Override
	public void stop() {
		Disposable current = this.beating;
		if (current != null) {
			current.dispose();
			this.beating = null;
			// An attempt to connect that is still under way is let finish, so that the client is not closed under it.
			if (!this.backend.awaitConnectAttempt(Duration.ofSeconds(2)) || !this.backend.connected()) {
				return;
			}
			this.redis.opsForZSet().remove(this.key, this.id).timeout(Duration.ofSeconds(1))
				.onErrorResume(error -> Mono.empty())
				.block();
		}
	}

	@Override
	public boolean isRunning() {
		return this.beating != null;
	}

}
