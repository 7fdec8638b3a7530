package io.restygateway.test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * An in-process stand-in for Consul's KV HTTP API, on a free loopback port: Consul itself cannot be installed on the
 * machines these tests run on, so this server answers what a Consul agent answers, as written down in
 * {@code shared/spec/consul-kv-api.md} (taken from hashicorp/consul's {@code agent/kvs_endpoint.go},
 * {@code agent/consul/state/kvs.go} and {@code agent/blockingquery}).
 *
 * <p>What it speaks: {@code GET/PUT/DELETE /v1/kv/<key>} with {@code recurse}, {@code keys}, {@code separator},
 * {@code raw}, {@code cas}, {@code flags}, {@code acquire}/{@code release} (sessions from {@code PUT
 * /v1/session/create}), blocking queries ({@code index}, {@code wait} in Go duration syntax, capped at 10 min, with
 * up to {@code wait/16} of jitter), a raft index that only goes up and has gaps (no-op writes move it, but not the KV
 * table index), tombstones, the per-query index rules of the spec's §2 table, the meta headers on every read
 * ({@code X-Consul-Index} also on a 404, never 0), ACL tokens from {@code ?token}, {@code X-Consul-Token} or
 * {@code Authorization: Bearer}, and the few other endpoints that Spring Cloud Consul calls
 * ({@code /v1/status/leader}, {@code /v1/status/peers}, {@code /v1/catalog/services}, a no-op service register).
 * Not spoken: {@code /v1/txn}, {@code ?pretty}, lock-delay, Enterprise namespaces (refused as CE refuses them).
 *
 * <p>One difference that cannot be helped: the JDK's server writes header names as {@code X-consul-index} where Go
 * writes {@code X-Consul-Index}. Both are the same header; clients must compare names case-insensitively anyway.
 *
 * <p>Faults for tests: {@link #stop()} and {@link #start()} on the same port, {@link #restart(long)} (a {@code -dev}
 * agent coming back empty with a lower index), {@link #resetIndex(long)} (the same data under lower indexes, as after
 * a snapshot restore into a rebuilt cluster), {@link #hang(boolean)} (accept, read, never answer),
 * {@link #dropConnections()}, {@link #setKnownLeader(boolean)}, {@link #failNext(int, int)},
 * {@link #reapTombstones()}, {@link #requireToken(String)}. Every request is logged ({@link #requests()}).
 */
public final class ConsulKvServer implements AutoCloseable {

	/** Consul's {@code kv_max_value_size}. */
	public static final int MAX_VALUE_SIZE = 524288;

	/** Consul's {@code default_query_time}: the wait of a blocking query that names none. */
	public static final Duration DEFAULT_QUERY_TIME = Duration.ofMinutes(5);

	/** Consul's {@code max_query_time}: no blocking query waits longer (before jitter). */
	public static final Duration MAX_QUERY_TIME = Duration.ofMinutes(10);

	private static final Pattern GO_DURATION = Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)(ns|us|µs|μs|ms|s|m|h)");

	/** One request as the server saw it. */
	public record Request(String method, String path, Map<String, String> query, String token, long atNanos) {

		/** @return whether the query string carried the parameter, with or without a value */
		public boolean has(String parameter) {
			return this.query.containsKey(parameter);
		}

	}

	/** One stored key. */
	public record Entry(String key, byte[] value, long flags, long createIndex, long modifyIndex, long lockIndex,
			String session) {
	}

	private final Object lock = new Object();

	// All of the state below is guarded by lock; blocked queries wait on it and every write notifies it.
	private final TreeMap<String, Entry> entries = new TreeMap<>();

	private final TreeMap<String, Long> tombstones = new TreeMap<>();

	private final Set<String> sessions = new LinkedHashSet<>();

	private long raftIndex;

	private long kvTableIndex;

	private long catalogIndex;

	// Bumped when every waiting request must be cut off without an answer (stop, dropped connections).
	private long generation;

	// Bumped by a snapshot restore, which answers every blocked query at once.
	private long restores;

	private boolean hanging;

	private final ConcurrentLinkedQueue<Request> requests = new ConcurrentLinkedQueue<>();

	private final AtomicInteger failCount = new AtomicInteger();

	private volatile int failStatus;

	private volatile boolean knownLeader = true;

	private volatile String requiredToken;

	private volatile double waitScale = 1.0;

	private volatile boolean jitter = true;

	private final int port;

	private HttpServer server;

	private ExecutorService executor;

	private ConsulKvServer(int port, long firstIndex) {
		this.port = port;
		this.raftIndex = firstIndex;
		this.kvTableIndex = 0;
		this.catalogIndex = firstIndex;
	}

	/**
	 * Start a server on a free loopback port, its raft index at 1 as for a fresh agent.
	 * @return the running server
	 * @throws IOException when it cannot bind
	 */
	public static ConsulKvServer create() throws IOException {
		return create(1);
	}

	/**
	 * Start a server on a free loopback port whose raft index starts at {@code firstIndex}, e.g. a large one so that
	 * a later {@link #restart(long)} can go visibly backwards.
	 * @param firstIndex the raft index before the first write, at least 1
	 * @return the running server
	 * @throws IOException when it cannot bind
	 */
	public static ConsulKvServer create(long firstIndex) throws IOException {
		IOException last = null;
		for (int attempt = 0; attempt < 3; attempt++) {
			ConsulKvServer consul = new ConsulKvServer(LoopbackHttpServer.freePort(), Math.max(1, firstIndex));
			try {
				consul.start();
				return consul;
			}
			catch (IOException ex) {
				// Another process took the port between the probe and the bind: try another.
				last = ex;
			}
		}
		throw last;
	}

	/**
	 * Listen again on the same port after {@link #stop()}; the data and indexes are those from before.
	 * @throws IOException when the port cannot be bound again within 5 s
	 */
	public void start() throws IOException {
		synchronized (this.lock) {
			if (this.server != null) {
				return;
			}
		}
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
		HttpServer created;
		while (true) {
			try {
				created = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), this.port), 64);
				break;
			}
			catch (BindException ex) {
				// The old socket can take a moment to be let go after a stop.
				if (System.nanoTime() > deadline) {
					throw ex;
				}
				sleepQuietly(20);
			}
		}
		// Blocking queries hold a thread each for up to their wait: the pool must grow, and never keep the JVM up.
		ExecutorService pool = Executors.newCachedThreadPool(runnable -> {
			Thread thread = new Thread(runnable, "consul-kv-server-" + this.port);
			thread.setDaemon(true);
			return thread;
		});
		created.setExecutor(pool);
		created.createContext("/", this::handle);
		created.start();
		synchronized (this.lock) {
			this.server = created;
			this.executor = pool;
		}
	}

	/**
	 * Stop listening: connections are closed, blocked queries are cut off without an answer, the port refuses
	 * connections. The data stays for {@link #start()}.
	 */
	public void stop() {
		HttpServer stopping;
		ExecutorService pool;
		synchronized (this.lock) {
			stopping = this.server;
			pool = this.executor;
			this.server = null;
			this.executor = null;
			this.generation++;
			this.lock.notifyAll();
		}
		if (stopping != null) {
			stopping.stop(0);
			pool.shutdownNow();
		}
	}

	/**
	 * What a {@code -dev} agent does when restarted: stop, forget every key, session and tombstone, come back on the
	 * same port with the raft index at {@code resetIndexTo}, usually lower than before.
	 * @param resetIndexTo the raft index after the restart, at least 1
	 * @throws IOException when the port cannot be bound again
	 */
	public void restart(long resetIndexTo) throws IOException {
		stop();
		synchronized (this.lock) {
			this.entries.clear();
			this.tombstones.clear();
			this.sessions.clear();
			this.raftIndex = Math.max(1, resetIndexTo);
			this.kvTableIndex = 0;
			this.catalogIndex = this.raftIndex;
		}
		start();
	}

	/**
	 * The same keys and values under lower indexes, while running, as after a snapshot restore into a rebuilt
	 * cluster: every index is renumbered to at most {@code index}, tombstones are dropped, and blocked queries return
	 * at once (as they do on a restore).
	 * @param index the new raft index, at least 1
	 */
	public void resetIndex(long index) {
		synchronized (this.lock) {
			long top = Math.max(1, index);
			this.entries.replaceAll((key, entry) -> new Entry(key, entry.value(), entry.flags(),
					Math.min(entry.createIndex(), top), Math.min(entry.modifyIndex(), top), entry.lockIndex(),
					entry.session()));
			this.tombstones.clear();
			this.raftIndex = top;
			this.kvTableIndex = this.entries.isEmpty() ? 0 : top;
			this.catalogIndex = Math.min(this.catalogIndex, top);
			this.restores++;
			this.lock.notifyAll();
		}
	}

	/**
	 * Hang or stop hanging: while hanging, a request is accepted and read but not answered until this is turned
	 * off (it is then answered normally) or the server stops.
	 * @param hang whether to hang
	 */
	public void hang(boolean hang) {
		synchronized (this.lock) {
			this.hanging = hang;
			this.lock.notifyAll();
		}
	}

	/**
	 * Close every connection that waits on a blocking query or a hang, without an answer, as a reset connection would;
	 * the server keeps listening.
	 */
	public void dropConnections() {
		synchronized (this.lock) {
			this.generation++;
			this.lock.notifyAll();
		}
	}

	/**
	 * Without a known leader, a default-consistency read or any write gets 500 {@code No cluster leader}; a
	 * {@code ?stale} read is answered with {@code X-Consul-Knownleader: false}.
	 * @param known whether there is a leader
	 */
	public void setKnownLeader(boolean known) {
		this.knownLeader = known;
	}

	/**
	 * Answer the next {@code times} requests with {@code status} (e.g. 500, 429, 403) and a plain-text body.
	 * @param status the HTTP status
	 * @param times how many requests
	 */
	public void failNext(int status, int times) {
		this.failStatus = status;
		this.failCount.set(times);
	}

	/**
	 * Turn the ACL system on with a default deny policy and a single token that may do everything; {@code null}
	 * turns it off again. A request without a token gets 403 {@code Permission denied}, one with another token 403
	 * {@code ACL not found}.
	 * @param token the one valid token, or null
	 */
	public void requireToken(String token) {
		this.requiredToken = token;
	}

	/**
	 * Scale every blocking wait, so that a client asking for {@code wait=55s} is answered after 55 ms at 0.001.
	 * @param scale the factor, greater than 0
	 */
	public void scaleWaits(double scale) {
		this.waitScale = scale;
	}

	/**
	 * Whether to add Consul's random {@code wait/16} to each wait (on by default); off makes waits exact.
	 * @param on whether to add jitter
	 */
	public void jitter(boolean on) {
		this.jitter = on;
	}

	/** Remove every tombstone, as Consul's reaper does after about 15 min; a prefix's index can then drop. */
	public void reapTombstones() {
		synchronized (this.lock) {
			this.tombstones.clear();
			// The reap is a raft write of its own, not a change to the KV table.
			this.raftIndex++;
		}
	}

	/** @return the port, the same across {@link #stop()} and {@link #start()} */
	public int port() {
		return this.port;
	}

	/** @return {@code http://127.0.0.1:port} */
	public String url() {
		return "http://127.0.0.1:" + this.port;
	}

	/** @return the raft index: the last write, of any kind */
	public long index() {
		synchronized (this.lock) {
			return this.raftIndex;
		}
	}

	/** @return the KV table index: the last write that changed a key or a tombstone, at least 1 */
	public long kvIndex() {
		synchronized (this.lock) {
			return Math.max(1, this.kvTableIndex);
		}
	}

	/**
	 * Set a key directly, without HTTP, as a plain PUT would.
	 * @param key the key
	 * @param value the value, empty for a null one
	 * @return the key's ModifyIndex afterwards
	 */
	public long put(String key, String value) {
		return put(key, value.getBytes(StandardCharsets.UTF_8));
	}

	/**
	 * Set a key directly, without HTTP, as a plain PUT would.
	 * @param key the key
	 * @param value the value, empty for a null one
	 * @return the key's ModifyIndex afterwards
	 */
	public long put(String key, byte[] value) {
		synchronized (this.lock) {
			set(key, value, null, null, null, null);
			return this.entries.get(key).modifyIndex();
		}
	}

	/**
	 * Delete a key or, with {@code recurse}, a prefix directly, without HTTP.
	 * @param key the key or prefix
	 * @param recurse whether to delete the prefix
	 */
	public void delete(String key, boolean recurse) {
		synchronized (this.lock) {
			remove(key, recurse, null);
		}
	}

	/**
	 * @param key the key
	 * @return the stored entry, or null
	 */
	public Entry get(String key) {
		synchronized (this.lock) {
			return this.entries.get(key);
		}
	}

	/** @return every request since the start or the last {@link #clearRequests()}, oldest first */
	public List<Request> requests() {
		return List.copyOf(this.requests);
	}

	/**
	 * @param path the path, e.g. {@code /v1/kv/config/}
	 * @return how many requests asked for it
	 */
	public long requestCount(String path) {
		return this.requests.stream().filter(request -> request.path().equals(path)).count();
	}

	/** Forget the logged requests. */
	public void clearRequests() {
		this.requests.clear();
	}

	@Override
	public void close() {
		stop();
	}

	// ---------------------------------------------------------------------------------------------------------
	// HTTP

	private void handle(HttpExchange exchange) throws IOException {
		try {
			String path = exchange.getRequestURI().getPath();
			Map<String, String> query = parseQuery(exchange.getRequestURI().getRawQuery());
			String token = token(exchange, query);
			this.requests.add(new Request(exchange.getRequestMethod(), path, query, token, System.nanoTime()));
			byte[] body = readBody(exchange);
			long seenGeneration;
			synchronized (this.lock) {
				seenGeneration = this.generation;
				while (this.hanging && seenGeneration == this.generation) {
					this.lock.wait();
				}
				if (seenGeneration != this.generation) {
					return;
				}
			}
			exchange.getResponseHeaders().set("X-Consul-Default-Acl-Policy", this.requiredToken == null ? "allow" : "deny");
			if (this.failCount.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
				text(exchange, this.failStatus, this.failStatus == 429 ? "Too Many Requests" : "injected failure");
				return;
			}
			String denied = denied(token);
			if (denied != null) {
				text(exchange, 403, denied);
				return;
			}
			route(exchange, path, query, body, seenGeneration);
		}
		catch (InterruptedException ex) {
			// The server is stopping: no answer.
			Thread.currentThread().interrupt();
		}
		finally {
			// Closed before its headers went out, an exchange closes its connection: the client sees a reset.
			exchange.close();
		}
	}

	private void route(HttpExchange exchange, String path, Map<String, String> query, byte[] body,
			long seenGeneration) throws IOException, InterruptedException {
		String method = exchange.getRequestMethod();
		if (path.startsWith("/v1/kv/")) {
			kv(exchange, method, path.substring("/v1/kv/".length()), query, body, seenGeneration);
		}
		else if (path.equals("/v1/status/leader")) {
			json(exchange, 200, this.knownLeader ? "\"127.0.0.1:8300\"" : "\"\"");
		}
		else if (path.equals("/v1/status/peers")) {
			json(exchange, 200, "[\"127.0.0.1:8300\"]");
		}
		else if (path.equals("/v1/catalog/services")) {
			if (!checkRead(exchange, query)) {
				return;
			}
			Answer answer = block(query, seenGeneration,
					() -> new Answer(200, this.catalogIndex, "{\"consul\":[]}".getBytes(StandardCharsets.UTF_8)));
			if (answer != null) {
				reply(exchange, answer, "application/json");
			}
		}
		else if (path.equals("/v1/agent/service/register") && method.equals("PUT")) {
			synchronized (this.lock) {
				this.raftIndex++;
				this.catalogIndex = this.raftIndex;
				this.lock.notifyAll();
			}
			exchange.sendResponseHeaders(200, -1);
		}
		else if (path.equals("/v1/session/create") && method.equals("PUT")) {
			String id = UUID.randomUUID().toString();
			synchronized (this.lock) {
				this.sessions.add(id);
				this.raftIndex++;
			}
			json(exchange, 200, "{\"ID\":\"" + id + "\"}");
		}
		else {
			text(exchange, 404, "");
		}
	}

	private void kv(HttpExchange exchange, String method, String key, Map<String, String> query, byte[] body,
			long seenGeneration) throws IOException, InterruptedException {
		String ns = query.get("ns");
		if (ns != null && !ns.isEmpty()) {
			text(exchange, 400, "Invalid query parameter: \"ns\" - Namespaces are a Consul Enterprise feature");
			return;
		}
		String dc = query.get("dc");
		if (dc != null && !dc.isEmpty() && !dc.equals("dc1")) {
			text(exchange, 500, "No path to datacenter");
			return;
		}
		if (key.contains("..") || (!key.isEmpty() && (key.startsWith(" ") || key.endsWith(" ")))) {
			text(exchange, 400, "Invalid key name");
			return;
		}
		switch (method) {
			case "GET" -> kvGet(exchange, key, query, seenGeneration);
			case "PUT" -> kvPut(exchange, key, query, body);
			case "DELETE" -> kvDelete(exchange, key, query);
			default -> {
				exchange.getResponseHeaders().set("Allow", "DELETE,GET,PUT");
				text(exchange, 405, "method " + method + " not allowed");
			}
		}
	}

	private void kvGet(HttpExchange exchange, String key, Map<String, String> query, long seenGeneration)
			throws IOException, InterruptedException {
		boolean keys = query.containsKey("keys");
		boolean recurse = query.containsKey("recurse") || keys;
		if (key.isEmpty() && !recurse) {
			text(exchange, 400, "Missing key name");
			return;
		}
		if (!checkRead(exchange, query)) {
			return;
		}
		Supplier<Answer> read;
		if (keys) {
			String separator = query.containsKey("separator") ? query.get("separator") : query.get("seperator");
			read = () -> listKeys(key, separator);
		}
		else if (recurse) {
			read = () -> list(key);
		}
		else {
			read = () -> single(key, query.containsKey("raw"));
		}
		Answer answer = block(query, seenGeneration, read);
		if (answer != null) {
			reply(exchange, answer, answer.raw ? "text/plain" : "application/json");
		}
	}

	private void kvPut(HttpExchange exchange, String key, Map<String, String> query, byte[] body) throws IOException {
		if (key.isEmpty()) {
			text(exchange, 400, "Missing key name");
			return;
		}
		int conflicting = (query.containsKey("cas") ? 1 : 0) + (query.containsKey("acquire") ? 1 : 0)
				+ (query.containsKey("release") ? 1 : 0);
		if (conflicting > 1) {
			text(exchange, 400, "Conflicting flags: " + query.keySet());
			return;
		}
		Long flags = null;
		Long cas = null;
		try {
			if (query.containsKey("flags")) {
				flags = Long.parseUnsignedLong(query.get("flags"));
			}
			if (query.containsKey("cas")) {
				cas = Long.parseUnsignedLong(query.get("cas"));
			}
		}
		catch (NumberFormatException ex) {
			// Consul answers a malformed number here with 500, not 400.
			text(exchange, 500, "strconv.ParseUint: parsing: invalid syntax");
			return;
		}
		if (body.length > MAX_VALUE_SIZE) {
			text(exchange, 413, "Request body(" + body.length + " bytes) too large, max size: " + MAX_VALUE_SIZE
					+ " bytes. See https://developer.hashicorp.com/consul/docs/agent/config/config-files#kv_max_value_size.");
			return;
		}
		if (!this.knownLeader) {
			text(exchange, 500, "No cluster leader");
			return;
		}
		String acquire = query.get("acquire");
		String release = query.get("release");
		boolean done;
		synchronized (this.lock) {
			if ((acquire != null && !this.sessions.contains(acquire))
					|| (release != null && !this.sessions.contains(release))) {
				text(exchange, 500, "invalid session \"" + (acquire != null ? acquire : release) + "\"");
				return;
			}
			done = set(key, body, flags, cas, acquire, release);
		}
		json(exchange, 200, Boolean.toString(done));
	}

	private void kvDelete(HttpExchange exchange, String key, Map<String, String> query) throws IOException {
		boolean recurse = query.containsKey("recurse");
		if (key.isEmpty() && !recurse) {
			text(exchange, 400, "Missing key name");
			return;
		}
		if (recurse && query.containsKey("cas")) {
			text(exchange, 400, "Conflicting flags: cas and recurse");
			return;
		}
		Long cas = null;
		if (query.containsKey("cas")) {
			try {
				cas = Long.parseUnsignedLong(query.get("cas"));
			}
			catch (NumberFormatException ex) {
				text(exchange, 500, "strconv.ParseUint: parsing: invalid syntax");
				return;
			}
		}
		if (!this.knownLeader) {
			text(exchange, 500, "No cluster leader");
			return;
		}
		boolean done;
		synchronized (this.lock) {
			done = remove(key, recurse, cas);
		}
		json(exchange, 200, Boolean.toString(done));
	}

	/** Checks shared by every read; answers and returns false when the read must not go on. */
	private boolean checkRead(HttpExchange exchange, Map<String, String> query) throws IOException {
		if (query.containsKey("stale") && query.containsKey("consistent")) {
			text(exchange, 400, "Cannot specify ?stale with ?consistent, conflicting semantics.");
			return false;
		}
		if (!this.knownLeader && !query.containsKey("stale")) {
			text(exchange, 500, "No cluster leader");
			return false;
		}
		String index = query.get("index");
		if (index != null && !index.isEmpty()) {
			try {
				Long.parseUnsignedLong(index);
			}
			catch (NumberFormatException ex) {
				text(exchange, 400, "Invalid index");
				return false;
			}
		}
		String wait = query.get("wait");
		if (wait != null && !wait.isEmpty() && parseGoDuration(wait) == null) {
			text(exchange, 400, "Invalid wait time");
			return false;
		}
		return true;
	}

	// ---------------------------------------------------------------------------------------------------------
	// Blocking queries

	/** A read's outcome before it is written: status, its index (0 is written as 1) and body. */
	private record Answer(int status, long index, byte[] body, boolean raw) {

		Answer(int status, long index, byte[] body) {
			this(status, index, body, false);
		}

	}

	/**
	 * Run {@code read} under the lock and, for {@code index=N > 0}, until its index passes N or the wait is over, as
	 * {@code agent/blockingquery} does: re-evaluated on every write, the same index returned on a timeout.
	 * @return the answer, or null when the connection is to be dropped without one
	 */
	private Answer block(Map<String, String> query, long seenGeneration, Supplier<Answer> read)
			throws InterruptedException {
		String rawIndex = query.get("index");
		long minIndex = rawIndex == null || rawIndex.isEmpty() ? 0 : Long.parseUnsignedLong(rawIndex);
		long waitNanos = waitNanos(query.get("wait"));
		synchronized (this.lock) {
			Answer answer = read.get();
			if (minIndex == 0) {
				return answer;
			}
			long seenRestores = this.restores;
			long deadline = System.nanoTime() + waitNanos;
			while (Long.compareUnsigned(answer.index, minIndex) <= 0) {
				long left = deadline - System.nanoTime();
				if (left <= 0) {
					break;
				}
				TimeUnit.NANOSECONDS.timedWait(this.lock, left);
				if (this.generation != seenGeneration) {
					// Stopped or dropped: no answer at all.
					return null;
				}
				answer = read.get();
				if (this.restores != seenRestores) {
					// A snapshot restore answers every blocked query at once, whatever its index.
					return answer;
				}
			}
			return answer;
		}
	}

	private long waitNanos(String wait) {
		Duration requested = wait == null || wait.isEmpty() ? Duration.ZERO : parseGoDuration(wait);
		if (requested.isNegative() || requested.isZero()) {
			requested = DEFAULT_QUERY_TIME;
		}
		if (requested.compareTo(MAX_QUERY_TIME) > 0) {
			requested = MAX_QUERY_TIME;
		}
		long nanos = requested.toNanos();
		if (this.jitter && nanos >= 16) {
			nanos += ThreadLocalRandom.current().nextLong(nanos / 16);
		}
		return (long) (nanos * this.waitScale);
	}

	/**
	 * Go's {@code time.ParseDuration}: a sign, then one or more number-unit pairs ({@code 1m30s}, {@code 1.5s},
	 * {@code 500ms}); a bare {@code 0} is allowed, any other number without a unit is not.
	 * @param text the duration
	 * @return the duration, or null when Go would not parse it
	 */
	static Duration parseGoDuration(String text) {
		String rest = text;
		boolean negative = false;
		if (rest.startsWith("-") || rest.startsWith("+")) {
			negative = rest.startsWith("-");
			rest = rest.substring(1);
		}
		if (rest.equals("0")) {
			return Duration.ZERO;
		}
		if (rest.isEmpty()) {
			return null;
		}
		Matcher matcher = GO_DURATION.matcher(rest);
		double nanos = 0;
		int at = 0;
		while (at < rest.length()) {
			if (!matcher.find(at) || matcher.start() != at) {
				return null;
			}
			double amount = Double.parseDouble(matcher.group(1));
			nanos += amount * switch (matcher.group(2)) {
				case "ns" -> 1L;
				case "us", "µs", "μs" -> 1_000L;
				case "ms" -> 1_000_000L;
				case "s" -> 1_000_000_000L;
				case "m" -> 60_000_000_000L;
				default -> 3_600_000_000_000L;
			};
			at = matcher.end();
		}
		return Duration.ofNanos((long) (negative ? -nanos : nanos));
	}

	// ---------------------------------------------------------------------------------------------------------
	// State, always under lock

	private Answer single(String key, boolean raw) {
		Entry entry = this.entries.get(key);
		if (entry == null) {
			return new Answer(404, this.kvTableIndex, null);
		}
		if (raw) {
			return new Answer(200, entry.modifyIndex(), entry.value(), true);
		}
		return new Answer(200, entry.modifyIndex(), ("[" + render(entry) + "]").getBytes(StandardCharsets.UTF_8));
	}

	private Answer list(String prefix) {
		Map<String, Entry> matched = this.entries.subMap(prefix, true, prefix + Character.MAX_VALUE, true);
		long index = prefixIndex(prefix, matched.values());
		if (matched.isEmpty()) {
			return new Answer(404, index, null);
		}
		StringBuilder json = new StringBuilder("[");
		for (Entry entry : matched.values()) {
			json.append(json.length() > 1 ? "," : "").append(render(entry));
		}
		return new Answer(200, index, json.append(']').toString().getBytes(StandardCharsets.UTF_8));
	}

	private Answer listKeys(String prefix, String separator) {
		Map<String, Entry> matched = this.entries.subMap(prefix, true, prefix + Character.MAX_VALUE, true);
		long index = prefixIndex(prefix, matched.values());
		Set<String> keys = new LinkedHashSet<>();
		for (String key : matched.keySet()) {
			int cut = separator == null || separator.isEmpty() ? -1 : key.indexOf(separator, prefix.length());
			keys.add(cut < 0 ? key : key.substring(0, cut + separator.length()));
		}
		if (keys.isEmpty() && !prefix.isEmpty()) {
			return new Answer(404, index, null);
		}
		StringBuilder json = new StringBuilder("[");
		for (String key : keys) {
			json.append(json.length() > 1 ? "," : "").append(quote(key));
		}
		return new Answer(200, index, json.append(']').toString().getBytes(StandardCharsets.UTF_8));
	}

	/** The spec's §2 table: the highest ModifyIndex of entries and tombstones under the prefix, else the table's. */
	private long prefixIndex(String prefix, Iterable<Entry> matched) {
		if (prefix.isEmpty()) {
			return this.kvTableIndex;
		}
		long index = 0;
		for (Entry entry : matched) {
			index = Math.max(index, entry.modifyIndex());
		}
		for (long tombstone : this.tombstones.subMap(prefix, true, prefix + Character.MAX_VALUE, true).values()) {
			index = Math.max(index, tombstone);
		}
		return index != 0 ? index : this.kvTableIndex;
	}

	private boolean set(String key, byte[] value, Long flags, Long cas, String acquire, String release) {
		Entry existing = this.entries.get(key);
		if (cas != null && (cas == 0 ? existing != null : existing == null || existing.modifyIndex() != cas)) {
			return false;
		}
		String session = existing == null ? null : existing.session();
		long lockIndex = existing == null ? 0 : existing.lockIndex();
		if (acquire != null) {
			if (session != null && !session.equals(acquire)) {
				return false;
			}
			if (!acquire.equals(session)) {
				lockIndex++;
			}
			session = acquire;
		}
		if (release != null) {
			if (!release.equals(session)) {
				return false;
			}
			session = null;
		}
		long newFlags = flags != null ? flags : 0;
		// Every write is a raft entry, so the raft index moves even when nothing changes: indexes have gaps.
		this.raftIndex++;
		if (existing != null && existing.flags() == newFlags && Arrays.equals(existing.value(), value)
				&& Objects.equals(existing.session(), session) && existing.lockIndex() == lockIndex) {
			// Consul 1.6+ (PR #5885): an identical write leaves ModifyIndex alone and wakes no one.
			return true;
		}
		long index = this.raftIndex;
		this.entries.put(key, new Entry(key, value.clone(), newFlags, existing == null ? index : existing.createIndex(),
				index, lockIndex, session));
		this.tombstones.remove(key);
		this.kvTableIndex = index;
		this.lock.notifyAll();
		return true;
	}

	private boolean remove(String key, boolean recurse, Long cas) {
		this.raftIndex++;
		if (recurse) {
			Map<String, Entry> matched = this.entries.subMap(key, true, key + Character.MAX_VALUE, true);
			if (matched.isEmpty()) {
				return true;
			}
			matched.clear();
			// One tombstone for the whole prefix, so that its index does not slide back (PR #577).
			this.tombstones.put(key, this.raftIndex);
		}
		else {
			Entry existing = this.entries.get(key);
			if (cas != null && (cas == 0 || (existing != null && existing.modifyIndex() != cas))) {
				return cas != 0 && existing == null;
			}
			if (existing == null) {
				return true;
			}
			this.entries.remove(key);
			this.tombstones.put(key, this.raftIndex);
		}
		this.kvTableIndex = this.raftIndex;
		this.lock.notifyAll();
		return true;
	}

	// ---------------------------------------------------------------------------------------------------------
	// Wire format

	/** An entry in Go's field order; {@code Session} omitted when empty, an empty value as {@code null}. */
	private static String render(Entry entry) {
		StringBuilder json = new StringBuilder(128);
		json.append("{\"LockIndex\":").append(entry.lockIndex());
		json.append(",\"Key\":").append(quote(entry.key()));
		json.append(",\"Flags\":").append(Long.toUnsignedString(entry.flags()));
		json.append(",\"Value\":");
		if (entry.value().length == 0) {
			json.append("null");
		}
		else {
			json.append('"').append(Base64.getEncoder().encodeToString(entry.value())).append('"');
		}
		if (entry.session() != null) {
			json.append(",\"Session\":").append(quote(entry.session()));
		}
		json.append(",\"CreateIndex\":").append(Long.toUnsignedString(entry.createIndex()));
		json.append(",\"ModifyIndex\":").append(Long.toUnsignedString(entry.modifyIndex()));
		return json.append('}').toString();
	}

	/** A JSON string as Go's encoder writes it, {@code <>&} escaped too. */
	private static String quote(String text) {
		StringBuilder json = new StringBuilder(text.length() + 2).append('"');
		for (int i = 0; i < text.length(); i++) {
			char c = text.charAt(i);
			switch (c) {
				case '"' -> json.append("\\\"");
				case '\\' -> json.append("\\\\");
				case '\n' -> json.append("\\n");
				case '\r' -> json.append("\\r");
				case '\t' -> json.append("\\t");
				default -> {
					if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == '\u2028' || c == '\u2029') {
						json.append(String.format("\\u%04x", (int) c));
					}
					else {
						json.append(c);
					}
				}
			}
		}
		return json.append('"').toString();
	}

	private void reply(HttpExchange exchange, Answer answer, String contentType)
			throws IOException {
		Headers headers = exchange.getResponseHeaders();
		// setIndex writes 0 as 1: a client that sends index=0 back would never block.
		headers.set("X-Consul-Index", Long.toUnsignedString(Math.max(1, answer.index)));
		headers.set("X-Consul-Knownleader", Boolean.toString(this.knownLeader));
		headers.set("X-Consul-Lastcontact", "0");
		if (answer.status != 200) {
			// A 404 has no body and no Content-Type, but the headers above.
			exchange.sendResponseHeaders(answer.status, -1);
			return;
		}
		if (answer.raw) {
			headers.set("X-Content-Type-Options", "nosniff");
			headers.set("Content-Security-Policy", "sandbox");
		}
		send(exchange, 200, contentType, answer.body);
	}

	private static void json(HttpExchange exchange, int status, String body) throws IOException {
		send(exchange, status, "application/json", body.getBytes(StandardCharsets.UTF_8));
	}

	private static void text(HttpExchange exchange, int status, String body) throws IOException {
		if (body.isEmpty()) {
			exchange.sendResponseHeaders(status, -1);
			return;
		}
		send(exchange, status, "text/plain; charset=utf-8", body.getBytes(StandardCharsets.UTF_8));
	}

	private static void send(HttpExchange exchange, int status, String contentType, byte[] body) throws IOException {
		exchange.getResponseHeaders().set("Content-Type", contentType);
		String accept = exchange.getRequestHeaders().getFirst("Accept-Encoding");
		byte[] out = body;
		// Consul's handler gzips only bodies worth it, about 1400 bytes and up.
		if (accept != null && accept.contains("gzip") && body.length >= 1400) {
			ByteArrayOutputStream zipped = new ByteArrayOutputStream();
			try (GZIPOutputStream gzip = new GZIPOutputStream(zipped)) {
				gzip.write(body);
			}
			out = zipped.toByteArray();
			exchange.getResponseHeaders().set("Content-Encoding", "gzip");
		}
		exchange.sendResponseHeaders(status, out.length == 0 ? -1 : out.length);
		if (out.length > 0) {
			try (OutputStream stream = exchange.getResponseBody()) {
				stream.write(out);
			}
		}
	}

	private static byte[] readBody(HttpExchange exchange) throws IOException {
		try (InputStream in = exchange.getRequestBody()) {
			return in.readAllBytes();
		}
	}

	/** Consul's precedence: {@code ?token}, then {@code X-Consul-Token}, then {@code Authorization: Bearer}. */
	private static String token(HttpExchange exchange, Map<String, String> query) {
		String token = query.get("token");
		if (token != null && !token.isEmpty()) {
			return token;
		}
		token = exchange.getRequestHeaders().getFirst("X-Consul-Token");
		if (token != null && !token.isEmpty()) {
			return token;
		}
		String authorization = exchange.getRequestHeaders().getFirst("Authorization");
		if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
			String bearer = authorization.substring(7).trim();
			return bearer.isEmpty() ? null : bearer;
		}
		return null;
	}

	private String denied(String token) {
		String required = this.requiredToken;
		if (required == null || required.equals(token)) {
			return null;
		}
		return token == null ? "Permission denied" : "ACL not found";
	}

	private static Map<String, String> parseQuery(String raw) {
		if (raw == null || raw.isEmpty()) {
			return Collections.emptyMap();
		}
		Map<String, String> query = new LinkedHashMap<>();
		for (String pair : raw.split("&")) {
			if (pair.isEmpty()) {
				continue;
			}
			int eq = pair.indexOf('=');
			String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
			String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
			// Go's Query().Get takes the first value of a repeated parameter.
			query.putIfAbsent(name, value);
		}
		return query;
	}

	private static void sleepQuietly(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/** @return the keys now stored, sorted */
	public List<String> keys() {
		synchronized (this.lock) {
			return new ArrayList<>(this.entries.keySet());
		}
	}

}
