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
import org.springframework.core.io.ClassPathResource;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;

/**
 * Each instance writes a heartbeat into one sorted set in Redis ({@code PREFIX + "instances"}) and reads how many
 * instances are alive: the count by which the rate is divided while Redis is away. The first heartbeat at start also
 * opens the connection, so that the first request does not pay for it.
 */
public class RedisInstanceHeartbeat implements SmartLifecycle {

	private static final Log logger = LogFactory.getLog(RedisInstanceHeartbeat.class);

	private static final RedisScript<Long> SCRIPT = RedisScript
		.of(new ClassPathResource("META-INF/scripts/resty-instances.lua"), Long.class);

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
