package io.restygateway.ratelimit;

import java.time.Duration;
import java.util.List;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

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
 * <p>
 * Calls go over one connection per HTTP event loop when an {@link EventLoopRedis} is given and suits the server's
 * loops, else over Spring Data Redis's shared connection (any topology: standalone, Sentinel, Cluster).
 */
public class RedisGcraStore implements AutoCloseable {

	private static final Log logger = LogFactory.getLog(RedisGcraStore.class);

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

	/** @return the script's SHA-1, as EVALSHA names it */
	static String sha1() {
		return SCRIPT.getSha1();
	}

	/** What a decision waits at most when its caller gives no timeout. */
	private static final Duration NO_TIMEOUT = Duration.ofSeconds(30);

	private final ReactiveStringRedisTemplate redis;

	private final @Nullable EventLoopRedis loops;

	/** Whether decisions go over {@link #loops}: once they are open, and unless they do not suit the server. */
	private volatile boolean onLoops;

	public RedisGcraStore(ReactiveStringRedisTemplate redis) {
		this(redis, null);
	}

	/**
	 * @param redis the shared connection: every call when {@code loops} is null or unsuitable, else the heartbeats'
	 * @param loops one connection per event loop, or null
	 */
	public RedisGcraStore(ReactiveStringRedisTemplate redis, @Nullable EventLoopRedis loops) {
		this.redis = redis;
		this.loops = loops;
	}

	/**
	 * Make the connections and check that Redis answers. Blocks: call it from a thread of one's own.
	 * @param timeout the longest to wait for PING
	 * @throws RuntimeException when Redis cannot be reached
	 */
	public void open(Duration timeout) {
		EventLoopRedis perLoop = this.loops;
		if (perLoop != null && !this.onLoops) {
			try {
				perLoop.open();
				this.onLoops = true;
				logger.info("LeakyBucket decisions use " + perLoop.connections()
						+ " Redis connections, one per HTTP event loop");
			}
			catch (EventLoopRedis.UnsuitableLoopsException ex) {
				logger.warn("LeakyBucket decisions use Spring Data Redis's shared connection: " + ex.getMessage());
				this.onLoops = false;
				close();
			}
		}
		ping().block(timeout);
	}

	/** @return how many connections decisions use: one per event loop, or 1 for the shared one */
	public int connections() {
		EventLoopRedis perLoop = this.loops;
		return this.onLoops && perLoop != null ? perLoop.connections() : 1;
	}

	/** @return calls made over the per-loop connections from a thread that is not a loop; -1 without them */
	public long callsOffLoop() {
		EventLoopRedis perLoop = this.loops;
		return this.onLoops && perLoop != null ? perLoop.callsOffLoop() : -1;
	}

	@Override
	public void close() {
		EventLoopRedis perLoop = this.loops;
		if (perLoop != null) {
			perLoop.close();
		}
	}

	/**
	 * Decide a request on Redis's clock.
	 * @param key the bucket's key
	 * @param limit the limit
	 * @param cost the cost, from 1 to burst + 1
	 * @return the decision; an error when Redis fails
	 */
	public Mono<Decision> decide(String key, Limit limit, int cost) {
		return decide(key, limit, cost, 0, (Long) null);
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
		return decide(key, limit, cost, ban, (Long) null);
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
	Mono<Decision> decide(String key, Limit limit, int cost, long ban, @Nullable Long now) {
		return decide(key, limit, cost, ban, now, NO_TIMEOUT);
	}

	/**
	 * Decide a request on Redis's clock, within a time.
	 * @param key the bucket's key
	 * @param limit the limit
	 * @param cost the cost, from 1 to burst + 1
	 * @param ban how long a refusal bans the key, microseconds; 0 for none
	 * @param timeout the longest to wait
	 * @return the decision; a {@link java.util.concurrent.TimeoutException} after {@code timeout}; an error when
	 * Redis fails
	 */
	public Mono<Decision> decide(String key, Limit limit, int cost, long ban, Duration timeout) {
		return decide(key, limit, cost, ban, null, timeout);
	}

	@SuppressWarnings("unchecked")
	Mono<Decision> decide(String key, Limit limit, int cost, long ban, @Nullable Long now, Duration timeout) {
		if (!limit.admits(cost)) {
			return Mono.error(new IllegalArgumentException("a cost of " + cost + " can never pass a burst of "
					+ limit.burst()));
		}
		List<String> args = now == null
				? List.of(Long.toString(limit.interval()), Long.toString(limit.tolerance()), Integer.toString(cost),
						Long.toString(ban))
				: List.of(Long.toString(limit.interval()), Long.toString(limit.tolerance()), Integer.toString(cost),
						Long.toString(ban), Long.toString(now));
		EventLoopRedis perLoop = this.loops;
		Mono<List<?>> reply = this.onLoops && perLoop != null
				? perLoop.eval(SCRIPT.getSha1(), SCRIPT.getScriptAsString(), key, args.toArray(String[]::new), timeout)
					.map(values -> values)
				: this.redis.execute(SCRIPT, List.of(key), args).next().<List<?>>map(values -> values).timeout(timeout);
		return reply.map(values -> {
			boolean allowed = (Long) values.get(0) == 1L;
			long excess = (Long) values.get(1);
			long state = (Long) values.get(3) == 0L ? Gcra.NO_STATE : (Long) values.get(3);
			return new Decision(allowed, state, allowed ? excess : 0, allowed ? 0 : excess, (Long) values.get(2));
		});
	}

	/**
	 * @return Redis's answer to PING, or an error
	 */
	public Mono<String> ping() {
		EventLoopRedis perLoop = this.loops;
		return this.onLoops && perLoop != null ? perLoop.ping(NO_TIMEOUT)
				: this.redis.execute(connection -> connection.ping()).next();
	}

}
