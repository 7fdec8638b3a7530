package io.restygateway.test;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code redis-server} on a free loopback port, for tests. The binary is the one on {@code PATH}, else the
 * one that the {@code com.github.codemonstur:embedded-redis} jar ships (extracted once per JVM). Nothing is
 * persisted: no RDB, no AOF, a scratch directory of its own.
 *
 * <p>Faults for tests: {@link #pause()} (SIGSTOP: connections stay open, nothing answers), {@link #resume()},
 * {@link #stop()} and {@link #kill()}; {@link #restart()} starts a fresh server on the same port.
 */
public final class RedisServer implements AutoCloseable {

	private static final Duration START_TIMEOUT = Duration.ofSeconds(15);

	private static volatile Path extracted;

	private final Path executable;

	private final int port;

	private final Path directory;

	private final List<String> extraArguments;

	private Process process;

	private RedisServer(Path executable, int port, Path directory, List<String> extraArguments) throws IOException {
		this.executable = executable;
		this.port = port;
		this.directory = directory;
		this.extraArguments = extraArguments;
		this.process = launch();
	}

	/**
	 * Start a server on a free loopback port and wait until it answers PING.
	 * @return the running server
	 * @throws IOException when no server could be started
	 */
	public static RedisServer start() throws IOException {
		return start(new String[0]);
	}

	/**
	 * Start a server with more arguments, e.g. {@code --cluster-enabled yes}.
	 * @param extraArguments appended to the command line
	 * @return the running server
	 * @throws IOException when no server could be started
	 */
	public static RedisServer start(String... extraArguments) throws IOException {
		Path executable = executable();
		IOException last = null;
		for (int attempt = 0; attempt < 3; attempt++) {
			Path directory = Files.createTempDirectory("resty-redis");
			RedisServer server = null;
			try {
				server = new RedisServer(executable, LoopbackHttpServer.freePort(), directory,
						List.of(extraArguments));
				server.awaitReady();
				return server;
			}
			catch (IOException ex) {
				// Most likely another process took the port between our probe and the bind: try another one.
				last = ex;
				if (server != null) {
					server.kill();
				}
			}
		}
		throw new IOException("could not start " + executable, last);
	}

	/** @return the path of the {@code redis-server} binary used: on PATH, else the embedded-redis one */
	public static Path executable() throws IOException {
		String path = System.getenv("PATH");
		if (path != null) {
			for (String dir : path.split(File.pathSeparator)) {
				Path candidate = Path.of(dir, "redis-server");
				if (Files.isExecutable(candidate)) {
					return candidate;
				}
			}
		}
		return extractEmbedded();
	}

	private static synchronized Path extractEmbedded() throws IOException {
		if (extracted != null) {
			return extracted;
		}
		String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
		String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
		String resource;
		if (os.contains("linux")) {
			resource = switch (arch) {
				case "amd64", "x86_64" -> "redis-server-6.2.6-v5-linux-amd64";
				case "aarch64", "arm64" -> "redis-server-6.2.7-linux-arm64";
				default -> "redis-server-6.2.7-linux-386";
			};
		}
		else if (os.contains("mac")) {
			resource = arch.contains("aarch64") || arch.contains("arm") ? "redis-server-6.2.6-v5-darwin-arm64"
					: "redis-server-6.2.6-v5-darwin-amd64";
		}
		else {
			throw new IOException("no redis-server on PATH and no embedded binary for " + os + "/" + arch);
		}
		try (InputStream in = RedisServer.class.getClassLoader().getResourceAsStream(resource)) {
			if (in == null) {
				throw new IOException("no redis-server on PATH and " + resource
						+ " is not on the test classpath (com.github.codemonstur:embedded-redis)");
			}
			Path target = Files.createTempFile("resty-redis-server", "");
			Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
			if (!target.toFile().setExecutable(true)) {
				throw new IOException("cannot make " + target + " executable");
			}
			target.toFile().deleteOnExit();
			extracted = target;
			return target;
		}
	}

	private Process launch() throws IOException {
		List<String> command = new ArrayList<>(List.of(this.executable.toString(), "--port",
				Integer.toString(this.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
				"--daemonize", "no", "--protected-mode", "no", "--dir", this.directory.toString(), "--loglevel",
				"warning"));
		command.addAll(this.extraArguments);
		return new ProcessBuilder(command).redirectErrorStream(true)
			.redirectOutput(this.directory.resolve("redis.log").toFile())
			.start();
	}

	private void awaitReady() throws IOException {
		long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
		while (System.nanoTime() < deadline) {
			if (!this.process.isAlive()) {
				throw new IOException("redis-server exited with " + this.process.exitValue() + ": " + log());
			}
			try {
				if ("PONG".equals(command("PING"))) {
					return;
				}
			}
			catch (IOException ex) {
				// not listening yet
			}
			sleep(20);
		}
		throw new IOException("redis-server did not answer PING within " + START_TIMEOUT + ": " + log());
	}

	private String log() {
		try {
			return Files.readString(this.directory.resolve("redis.log"));
		}
		catch (IOException ex) {
			return "(no log)";
		}
	}

	/** @return the loopback address the server listens on */
	public String host() {
		return "127.0.0.1";
	}

	/** @return the server's port */
	public int port() {
		return this.port;
	}

	/** @return a {@code redis://} URL for this server */
	public String url() {
		return "redis://127.0.0.1:" + this.port;
	}

	/** @return the process id of the running server */
	public long pid() {
		return this.process.pid();
	}

	/** @return whether the server process is running (it may still be paused) */
	public boolean isAlive() {
		return this.process.isAlive();
	}

	/**
	 * Send one command and read a simple reply: a status, an error (returned as {@code -ERR ...}), an integer,
	 * a bulk string or {@code null}, or for an array its elements joined by newlines.
	 * @param args the command and its arguments
	 * @return the reply as text
	 * @throws IOException when the server cannot be reached within a second
	 */
	public String command(String... args) throws IOException {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress(host(), this.port), 1000);
			socket.setSoTimeout(2000);
			OutputStream out = socket.getOutputStream();
			ByteArrayOutputStream request = new ByteArrayOutputStream();
			request.writeBytes(("*" + args.length + "\r\n").getBytes(StandardCharsets.UTF_8));
			for (String arg : args) {
				byte[] bytes = arg.getBytes(StandardCharsets.UTF_8);
				request.writeBytes(("$" + bytes.length + "\r\n").getBytes(StandardCharsets.UTF_8));
				request.writeBytes(bytes);
				request.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
			}
			out.write(request.toByteArray());
			out.flush();
			return readReply(new BufferedInputStream(socket.getInputStream()));
		}
	}

	private static String readReply(InputStream in) throws IOException {
		int type = in.read();
		String line = readLine(in);
		switch (type) {
			case '+', ':':
				return line;
			case '-':
				return "-" + line;
			case '$': {
				int length = Integer.parseInt(line);
				if (length < 0) {
					return null;
				}
				byte[] data = in.readNBytes(length + 2);
				return new String(data, 0, length, StandardCharsets.UTF_8);
			}
			case '*': {
				int count = Integer.parseInt(line);
				List<String> items = new ArrayList<>();
				for (int i = 0; i < count; i++) {
					items.add(readReply(in));
				}
				return String.join("\n", items);
			}
			default:
				throw new IOException("unexpected reply type " + type);
		}
	}

	private static String readLine(InputStream in) throws IOException {
		ByteArrayOutputStream line = new ByteArrayOutputStream();
		int b;
		while ((b = in.read()) != -1) {
			if (b == '\r') {
				in.read();
				break;
			}
			line.write(b);
		}
		return line.toString(StandardCharsets.UTF_8);
	}

	/** Freeze the server with SIGSTOP: connections stay open and nothing answers. */
	public void pause() throws IOException {
		signal("STOP");
	}

	/** Thaw a paused server with SIGCONT. */
	public void resume() throws IOException {
		signal("CONT");
	}

	private void signal(String name) throws IOException {
		try {
			Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(pid())).inheritIO().start();
			if (!kill.waitFor(5, TimeUnit.SECONDS) || kill.exitValue() != 0) {
				throw new IOException("kill -" + name + " " + pid() + " failed");
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IOException(ex);
		}
	}

	/** Stop the server with SIGTERM and wait for it to exit. */
	public void stop() {
		if (this.process.isAlive()) {
			resumeQuietly();
			this.process.destroy();
			waitFor();
		}
	}

	/** Kill the server with SIGKILL, as a crash would. */
	public void kill() {
		this.process.destroyForcibly();
		waitFor();
	}

	/**
	 * Start a fresh, empty server on the same port after {@link #stop()} or {@link #kill()}.
	 * @throws IOException when it does not come up
	 */
	public void restart() throws IOException {
		stop();
		this.process = launch();
		awaitReady();
	}

	private void resumeQuietly() {
		try {
			resume();
		}
		catch (IOException ex) {
			// it was not paused, or it is gone already
		}
	}

	private void waitFor() {
		try {
			if (!this.process.waitFor(10, TimeUnit.SECONDS)) {
				this.process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private static void sleep(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	@Override
	public void close() {
		stop();
	}

}
