package io.restygateway.ratelimit;

import java.util.List;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import org.springframework.core.io.ClassPathResource;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;

import io.restygateway.ratelimit.Gcra.Decision;
import io.restygateway.ratelimit.Gcra.Limit;

/**
 * GCRA decisions in Redis, shared by every gateway instance: one EVALSHA per decision (Spring Data Redis falls back
 * to EVAL when the script cache was flushed), one key per bucket with a PX expiry equal to its horizon, Redis's own
 * clock in microseconds so that gateway clocks do not matter. The script is {@code META-INF/scripts/resty-gcra.lua}.
 */
public class RedisGcraStore {

	// Read once into a String: a script built on a resource has Spring Data Redis check the file's modification time
	// on every call, under a lock (about 31 µs a decision from inside the packaged jar, measured by the benchmarks).
	@SuppressWarnings("rawtypes")
	private static final RedisScript<List> SCRIPT = RedisScript.of(read("META-INF/scripts/resty-gcra.lua"), List.class);

	static String read(String resource) {
		try (java.io.InputStream in = new ClassPathResource(resource).getInputStream()) {
			return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
		}
		catch (java.io.IOException ex) {
			throw new IllegalStateException("cannot read " + resource + " from the classpath", ex);
		}
	}

	private final ReactiveStringRedisTemplate redis;

	public RedisGcraStore(ReactiveStringRedisTemplate redis) {
		this.redis = redis;
	}

	/**
	 * Decide a request on Redis's clock.
	 * @param key the bucket's key
	 * @param limit the limit
	 * @param cost the cost, from 1 to burst + 1
	 * @return the decision; an error when Redis fails
	 */
	public Mono<Decision> decide(String key, Limit limit, int cost) {
		return decide(key, limit, cost, 0, null);
	}

	/**
	 * Decide a request on Redis's clock, with a ban.
	 * @param key the bucket's key
	 * @param limit the limit
	 * @param cost the cost, from 1 to burst + 1
	 * @param ban how long a refusal bans the key, microseconds; 0 for none
	 * @return the decision; an error when Redis fails
	 */
	public Mono<Decision> decide(String key, Limit limit, int cost, long ban) {
		return decide(key, limit, cost, ban, null);
	}

	/**
	 * Decide a request at a given time: for tests, which need exact instants.
	 * @param key the bucket's key
	 * @param limit the limit
	 * @param cost the cost
	 * @param ban the ban, microseconds
	 * @param now the time in microseconds, or null for Redis's clock
	 * @return the decision
	 */
	@SuppressWarnings("unchecked")
	Mono<Decision> decide(String key, Limit limit, int cost, long ban, @Nullable Long now) {
		if (!limit.admits(cost)) {
			return Mono.error(new IllegalArgumentException("a cost of " + cost + " can never pass a burst of "
					+ limit.burst()));
		}
		List<String> args = now == null
				? List.of(Long.toString(limit.interval()), Long.toString(limit.tolerance()), Integer.toString(cost),
						Long.toString(ban))
				: List.of(Long.toString(limit.interval()), Long.toString(limit.tolerance()), Integer.toString(cost),
						Long.toString(ban), Long.toString(now));
		return this.redis.execute(SCRIPT, List.of(key), args).next().map(reply -> {
			List<Long> values = (List<Long>) reply;
			boolean allowed = values.get(0) == 1L;
			long state = values.get(3) == 0L ? Gcra.NO_STATE : values.get(3);
			return new Decision(allowed, state, allowed ? values.get(1) : 0, allowed ? 0 : values.get(1),
					values.get(2));
		});
	}

	/**
	 * @return Redis's answer to PING, or an error
	 */
	public Mono<String> ping() {
		return this.redis.execute(connection -> connection.ping()).next();
	}

}
