package io.restygateway.config.consul;

import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * A small client for Consul's KV HTTP API ({@code /v1/kv/}), on the JDK's {@link HttpClient}: a recursive read that
 * can block ({@code ?recurse&index=N&wait=W}), a put and a delete. Thread-safe.
 *
 * <p>A blocking read is given an HTTP timeout of {@code wait + wait/16 + timeout}: Consul adds up to {@code wait/16}
 * of random jitter to the wait, and a client timeout shorter than that would turn every quiet period into an error.
 */
public final class ConsulKvClient {

	/** The default timeout of a request that does not block, and the margin added to a blocking one's wait. */
	public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

	/** Consul's {@code max_query_time}: a longer wait is cut to this by the server anyway. */
	public static final Duration MAX_WAIT = Duration.ofMinutes(10);

	private final HttpClient http;

	private final String base;

	private final @Nullable String token;

	private final Duration timeout;

	/**
	 * @param base the agent, {@code http://host:port}
	 * @param token the ACL token sent as {@code X-Consul-Token}, or null for none
	 */
	public ConsulKvClient(URI base, @Nullable String token) {
		this(base, token, DEFAULT_TIMEOUT);
	}

	/**
	 * @param base the agent, {@code http://host:port}
	 * @param token the ACL token sent as {@code X-Consul-Token}, or null for none
	 * @param timeout the timeout of a request that does not block (and of connecting), and the margin added to the
	 * wait of one that does
	 */
	public ConsulKvClient(URI base, @Nullable String token, Duration timeout) {
		if (timeout.isNegative() || timeout.isZero()) {
			throw new IllegalArgumentException("timeout must be positive: " + timeout);
		}
		String text = base.toString();
		this.base = text.endsWith("/") ? text.substring(0, text.length() - 1) : text;
		this.token = token == null || token.isEmpty() ? null : token;
		this.timeout = timeout;
		// HTTP/1.1: Consul does not take the h2c upgrade the JDK would otherwise offer on every plain request.
		this.http = HttpClient.newBuilder()
			.version(HttpClient.Version.HTTP_1_1)
			.connectTimeout(timeout)
			.followRedirects(HttpClient.Redirect.NEVER)
			.build();
	}

	/** @return the agent this client talks to */
	public String baseUri() {
		return this.base;
	}

	/**
	 * Read every key under a prefix (a string prefix: {@code app} also lists {@code apple/x}).
	 * @param prefix the prefix, usually ending in {@code /}
	 * @param index 0 to answer at once, else the index of the last answer: Consul then holds the request until the
	 * prefix's index passes it, or the wait is over
	 * @param wait how long Consul may hold a blocking read, at most {@link #MAX_WAIT}; not sent when index is 0
	 * @return the entries and the index to block on next; a 404 is an empty listing with its index
	 * @throws ConsulException when Consul answers another status
	 * @throws IOException when Consul cannot be reached, or does not answer in time
	 * @throws InterruptedException when the calling thread is interrupted (the request is then abandoned)
	 */
	public KvListing list(String prefix, long index, Duration wait) throws IOException, InterruptedException {
		StringBuilder uri = new StringBuilder(this.base).append("/v1/kv/").append(encodeKey(prefix)).append("?recurse");
		Duration requestTimeout = this.timeout;
		if (index != 0) {
			if (wait.isNegative() || wait.isZero()) {
				// Consul reads no wait as 5 minutes: say so explicitly rather than leave it to the server.
				throw new IllegalArgumentException("a blocking read needs a positive wait: " + wait);
			}
			Duration capped = wait.compareTo(MAX_WAIT) > 0 ? MAX_WAIT : wait;
			uri.append("&index=").append(Long.toUnsignedString(index)).append("&wait=").append(goDuration(capped));
			requestTimeout = blockingTimeout(capped, this.timeout);
		}
		HttpResponse<byte[]> response = send(request(uri.toString(), requestTimeout).GET());
		long answered = index(response.headers());
		if (response.statusCode() == 404) {
			return new KvListing(List.of(), answered);
		}
		if (response.statusCode() != 200) {
			throw failure(response);
		}
		return new KvListing(parseEntries(response.body()), answered);
	}

	/**
	 * Set a key.
	 * @param key the key
	 * @param value the value; empty stores a key with no value
	 * @return Consul's answer, always true for a plain set
	 * @throws IOException when Consul cannot be reached or refuses
	 * @throws InterruptedException when the calling thread is interrupted
	 */
	public boolean put(String key, byte[] value) throws IOException, InterruptedException {
		requireKey(key);
		return bool(send(request(this.base + "/v1/kv/" + encodeKey(key), this.timeout)
			.PUT(BodyPublishers.ofByteArray(value))));
	}

	/**
	 * Delete a key; deleting a key that does not exist succeeds.
	 * @param key the key
	 * @return Consul's answer, always true without {@code cas}
	 * @throws IOException when Consul cannot be reached or refuses
	 * @throws InterruptedException when the calling thread is interrupted
	 */
	public boolean delete(String key) throws IOException, InterruptedException {
		requireKey(key);
		return bool(send(request(this.base + "/v1/kv/" + encodeKey(key), this.timeout).DELETE()));
	}

	/**
	 * The HTTP timeout of a blocking read: the wait, Consul's jitter of up to {@code wait/16}, and a margin.
	 * @param wait the wait sent to Consul
	 * @param margin time for the network and the server beyond the wait
	 * @return the timeout
	 */
	static Duration blockingTimeout(Duration wait, Duration margin) {
		return wait.plus(wait.dividedBy(16)).plus(margin);
	}

	/** A duration as Go's {@code time.ParseDuration} reads it: Consul refuses a number without a unit. */
	static String goDuration(Duration wait) {
		long millis = Math.max(1, wait.toMillis());
		return millis % 1000 == 0 ? (millis / 1000) + "s" : millis + "ms";
	}

	/**
	 * Percent-encode a key for the path, keeping {@code /}: Consul decodes the path, so any byte can be in a key.
	 * @param key the key
	 * @return the path segment
	 */
	static String encodeKey(String key) {
		StringBuilder out = new StringBuilder(key.length());
		for (byte b : key.getBytes(StandardCharsets.UTF_8)) {
			char c = (char) (b & 0xff);
			if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-._~/".indexOf(c) >= 0) {
				out.append(c);
			}
			else {
				out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
					.append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
			}
		}
		return out.toString();
	}

	/**
	 * The {@code X-Consul-Index} header (any case) as an unsigned 64-bit number.
	 * @return the index, or 0 when missing or not a number
	 */
	static long index(HttpHeaders headers) {
		// HttpHeaders matches names case-insensitively: Go writes X-Consul-Index, other servers may not.
		String value = headers.firstValue("X-Consul-Index").orElse(null);
		if (value == null) {
			return 0;
		}
		try {
			return Long.parseUnsignedLong(value.trim());
		}
		catch (NumberFormatException ex) {
			return 0;
		}
	}

	static List<KvEntry> parseEntries(byte[] body) throws IOException {
		Object json;
		try {
			json = Json.parse(new String(body, StandardCharsets.UTF_8));
		}
		catch (IllegalArgumentException ex) {
			throw new IOException("Consul sent a body that is not JSON", ex);
		}
		if (!(json instanceof List<?> array)) {
			throw new IOException("Consul sent JSON that is not an array of entries");
		}
		List<KvEntry> entries = new ArrayList<>(array.size());
		for (Object element : array) {
			if (!(element instanceof Map<?, ?> object) || !(object.get("Key") instanceof String key)) {
				throw new IOException("Consul sent an entry without a Key");
			}
			Object value = object.get("Value");
			byte[] bytes;
			try {
				// null is a key that exists with no value, not a missing key.
				bytes = value instanceof String encoded ? Base64.getDecoder().decode(encoded) : new byte[0];
			}
			catch (IllegalArgumentException ex) {
				throw new IOException("Consul sent a Value that is not base64 for " + key, ex);
			}
			entries.add(new KvEntry(key, bytes, unsigned(object.get("Flags")), unsigned(object.get("CreateIndex")),
					unsigned(object.get("ModifyIndex"))));
		}
		return entries;
	}

	private static long unsigned(@Nullable Object number) {
		// BigInteger.longValue keeps the low 64 bits: a uint64 above Long.MAX_VALUE stays the same bits.
		return number instanceof BigInteger integer ? integer.longValue() : 0;
	}

	private HttpRequest.Builder request(String uri, Duration requestTimeout) {
		HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(uri)).timeout(requestTimeout);
		if (this.token != null) {
			// The header, not ?token=: a token in the query string ends up in access logs.
			builder.header("X-Consul-Token", this.token);
		}
		return builder;
	}

	private HttpResponse<byte[]> send(HttpRequest.Builder request) throws IOException, InterruptedException {
		// An interrupt while waiting cancels the exchange (JDK 16+), so close() on a watch does not wait out the wait.
		return this.http.send(request.build(), BodyHandlers.ofByteArray());
	}

	private static boolean bool(HttpResponse<byte[]> response) throws ConsulException {
		if (response.statusCode() != 200) {
			throw failure(response);
		}
		return new String(response.body(), StandardCharsets.UTF_8).trim().equals("true");
	}

	private static ConsulException failure(HttpResponse<byte[]> response) {
		String body = new String(response.body(), StandardCharsets.UTF_8).trim();
		return new ConsulException(response.statusCode(), body.length() > 200 ? body.substring(0, 200) : body);
	}

	private static void requireKey(String key) {
		if (key.isEmpty()) {
			throw new IllegalArgumentException("a key is needed");
		}
	}

}
