package io.restygateway.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.core.io.ClassPathResource;
import org.springframework.data.redis.connection.ReactiveRedisConnection;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;

import io.restygateway.ratelimit.Gcra.Limit;
import io.restygateway.ratelimit.Rate;
import io.restygateway.ratelimit.RedisGcraStore;

/**
 * Decisions per second of {@link RedisGcraStore}, the {@code LeakyBucket} filter's Redis store, as the gateway uses
 * it: one shared Lettuce connection (Spring Data Redis's default), one EVALSHA per decision, {@code concurrency}
 * decisions in flight at all times (each worker starts its next decision when its last one is answered), for a fixed
 * time after a warm-up. {@code benchmarks/redis-limiter.sh} runs it beside {@code redis-benchmark} sending the same
 * EVALSHA to the same server, and reports the ratio.
 * <pre>
 * java -cp benchmarks.jar io.restygateway.bench.RedisLimiterThroughput --port 6390 [--host 127.0.0.1]
 *     [--concurrency 32] [--seconds 10] [--warmup 5] [--keys 1] [--rate 1000000r/s] [--burst 1000000] [--serve]
 * java -cp benchmarks.jar io.restygateway.bench.RedisLimiterThroughput --port 6390 --load-script [--rate R] [--burst B]
 * </pre>
 * With {@code --keys 1} every decision is on the key {@code bench:rl:hot}; with {@code --keys N} on a key drawn at
 * random among {@code bench:rl:000000000000} to {@code bench:rl:<N−1>}, the keys that {@code redis-benchmark -r N}
 * makes of {@code bench:rl:__rand_int__}. The result is one line of {@code name=value} words on standard output.
 * With {@code --serve} it prints {@code ready} once warm, then makes one measured run for each line it reads on
 * standard input, until {@code quit} or the end of the input: the script interleaves its runs with redis-benchmark's
 * without warming a new JVM each time.
 * {@code --load-script} loads the script into the server instead (as Spring Data Redis would on its first NOSCRIPT)
 * and prints {@code sha=<sha1> argv=T,τ,1,0}: the digest the store's EVALSHA uses and the arguments it sends for a
 * decision of cost 1 under {@code --rate} and {@code --burst}.
 */
public final class RedisLimiterThroughput {

	/** The store's script, from the auto-configuration module's jar, as {@link RedisGcraStore} reads it. */
	private static final String SCRIPT = "META-INF/scripts/resty-gcra.lua";

	private static final Duration SETTLE = Duration.ofSeconds(30);

	private RedisLimiterThroughput() {
	}

	/**
	 * @param args {@code --name value} options, see the class's description
	 * @throws Exception when Redis cannot be reached or fails during the run
	 */
	public static void main(String[] args) throws Exception {
		Map<String, String> options = options(args);
		String host = options.getOrDefault("host", "127.0.0.1");
		int port = Integer.parseInt(required(options, "port"));
		LettuceConnectionFactory factory = new LettuceConnectionFactory(new RedisStandaloneConfiguration(host, port));
		factory.afterPropertiesSet();
		factory.start();
		try {
			Limit limit = Limit.of(Rate.parse(options.getOrDefault("rate", "1000000r/s")),
					Integer.parseInt(options.getOrDefault("burst", "1000000")));
			if (options.containsKey("load-script")) {
				// ARGV as the store sends it for a decision of cost 1 without a ban: T, τ, cost, ban.
				System.out.println("sha=" + loadScript(factory) + " argv=" + limit.interval() + ","
						+ limit.tolerance() + ",1,0");
				return;
			}
			int concurrency = positive(options, "concurrency", 32);
			int seconds = positive(options, "seconds", 10);
			int warmup = Integer.parseInt(options.getOrDefault("warmup", "5"));
			int keys = positive(options, "keys", 1);
			RedisGcraStore store = new RedisGcraStore(new ReactiveStringRedisTemplate(factory));
			if (warmup > 0) {
				run(store, limit, concurrency, keys, warmup);
			}
			if (!options.containsKey("serve")) {
				print(run(store, limit, concurrency, keys, seconds), concurrency, keys);
				return;
			}
			// Warm, then one measured run per line read, so that the caller can interleave other runs with ours.
			System.out.println("ready");
			BufferedReader input = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
			String line;
			while ((line = input.readLine()) != null && !line.strip().equals("quit")) {
				print(run(store, limit, concurrency, keys, seconds), concurrency, keys);
			}
		}
		finally {
			factory.destroy();
		}
	}

	private static void print(Result result, int concurrency, int keys) {
		System.out.println(String.format(Locale.ROOT,
				"decisions=%d allowed=%d seconds=%.3f decisions_per_s=%.1f mean_latency_us=%.1f concurrency=%d keys=%d",
				result.decisions(), result.allowed(), result.seconds(), result.perSecond(),
				concurrency / result.perSecond() * 1e6, concurrency, keys));
		System.out.flush();
	}

	/**
	 * What one timed run did.
	 * @param decisions decisions answered
	 * @param allowed of them, admitted
	 * @param seconds from the first decision sent to the last one answered
	 */
	record Result(long decisions, long allowed, double seconds) {

		double perSecond() {
			return this.decisions / this.seconds;
		}

	}

	/**
	 * Keep {@code concurrency} decisions in flight for {@code seconds}, then wait for the last ones.
	 */
	private static Result run(RedisGcraStore store, Limit limit, int concurrency, int keys, int seconds) {
		LongAdder decisions = new LongAdder();
		LongAdder allowed = new LongAdder();
		String[] names = keyNames(keys);
		long start = System.nanoTime();
		long deadline = start + Duration.ofSeconds(seconds).toNanos();
		List<Flux<Boolean>> workers = new ArrayList<>(concurrency);
		for (int i = 0; i < concurrency; i++) {
			workers.add(Mono.defer(() -> store.decide(pick(names), limit, 1))
				.map(decision -> decision.allowed())
				.doOnNext(admitted -> {
					decisions.increment();
					if (admitted) {
						allowed.increment();
					}
				})
				.repeat(() -> System.nanoTime() < deadline));
		}
		Flux.merge(workers).then().block(Duration.ofSeconds(seconds).plus(SETTLE));
		double elapsed = (System.nanoTime() - start) / 1e9;
		return new Result(decisions.sum(), allowed.sum(), elapsed);
	}

	private static String[] keyNames(int keys) {
		if (keys == 1) {
			return new String[] { "bench:rl:hot" };
		}
		String[] names = new String[keys];
		for (int i = 0; i < keys; i++) {
			// redis-benchmark's __rand_int__: twelve digits, zero-padded.
			names[i] = String.format(Locale.ROOT, "bench:rl:%012d", i);
		}
		return names;
	}

	private static String pick(String[] names) {
		return names.length == 1 ? names[0] : names[ThreadLocalRandom.current().nextInt(names.length)];
	}

	/**
	 * Load the store's script into the server.
	 * @return its SHA-1, checked against the one Spring Data Redis computes for EVALSHA
	 */
	private static String loadScript(LettuceConnectionFactory factory) throws Exception {
		ClassPathResource resource = new ClassPathResource(SCRIPT);
		String text = resource.getContentAsString(StandardCharsets.UTF_8);
		String expected = RedisScript.of(resource).getSha1();
		String loaded;
		try (ReactiveRedisConnection connection = factory.getReactiveConnection()) {
			loaded = connection.scriptingCommands()
				.scriptLoad(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)))
				.block(SETTLE);
		}
		if (!expected.equals(loaded)) {
			throw new IllegalStateException("Redis loaded the script as " + loaded + ", the store sends " + expected);
		}
		return loaded;
	}

	private static Map<String, String> options(String[] args) {
		Map<String, String> options = new LinkedHashMap<>();
		for (int i = 0; i < args.length; i++) {
			if (!args[i].startsWith("--")) {
				throw new IllegalArgumentException("expected --name [value], got '" + args[i] + "'");
			}
			String name = args[i].substring(2);
			if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
				options.put(name, args[++i]);
			}
			else {
				options.put(name, "");
			}
		}
		return options;
	}

	private static String required(Map<String, String> options, String name) {
		String value = options.get(name);
		if (value == null || value.isEmpty()) {
			throw new IllegalArgumentException("--" + name + " is needed");
		}
		return value;
	}

	private static int positive(Map<String, String> options, String name, int otherwise) {
		int value = Integer.parseInt(options.getOrDefault(name, Integer.toString(otherwise)));
		if (value < 1) {
			throw new IllegalArgumentException("--" + name + " must be at least 1, was " + value);
		}
		return value;
	}

}
