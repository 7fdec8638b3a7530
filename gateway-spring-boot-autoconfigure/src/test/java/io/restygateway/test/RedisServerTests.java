package io.restygateway.test;

import java.io.IOException;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIOException;

class RedisServerTests {

	@Test
	void startsARealServerOnLoopbackAndStopsIt() throws IOException {
		try (RedisServer redis = RedisServer.start()) {
			assertThat(redis.command("PING")).isEqualTo("PONG");
			assertThat(redis.command("SET", "k", "v")).isEqualTo("OK");
			assertThat(redis.command("GET", "k")).isEqualTo("v");
			assertThat(redis.command("INCRBY", "n", "5")).isEqualTo("5");
			assertThat(redis.command("CONFIG", "GET", "bind")).isEqualTo("bind\n127.0.0.1");
			redis.stop();
			assertThat(redis.isAlive()).isFalse();
			assertThatIOException().isThrownBy(() -> redis.command("PING"));
		}
	}

	@Test
	void pauseFreezesTheServerAndResumeThawsIt() throws IOException {
		try (RedisServer redis = RedisServer.start()) {
			redis.pause();
			// The port still accepts connections (the kernel does that) but nothing answers.
			assertThatIOException().isThrownBy(() -> redis.command("PING"));
			redis.resume();
			assertThat(redis.command("PING")).isEqualTo("PONG");
		}
	}

	@Test
	void restartAfterAKillComesBackEmptyOnTheSamePort() throws IOException {
		try (RedisServer redis = RedisServer.start()) {
			int port = redis.port();
			redis.command("SET", "k", "v");
			redis.kill();
			assertThat(redis.isAlive()).isFalse();
			redis.restart();
			assertThat(redis.port()).isEqualTo(port);
			assertThat(redis.command("GET", "k")).isNull();
		}
	}

}
