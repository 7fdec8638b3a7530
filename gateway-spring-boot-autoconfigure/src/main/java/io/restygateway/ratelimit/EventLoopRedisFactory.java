package io.restygateway.ratelimit;

import java.util.function.Supplier;

import io.lettuce.core.RedisURI;
import io.lettuce.core.resource.ClientResources;
import io.netty.channel.EventLoopGroup;
import org.jspecify.annotations.Nullable;
import reactor.netty.http.HttpResources;
import reactor.netty.resources.LoopResources;

import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.http.client.ReactorResourceFactory;
import org.springframework.util.StringUtils;

/**
 * Makes an {@link EventLoopRedis} that reaches the same Redis, with the same credentials, database, TLS and client
 * options, as Spring Boot's {@link LettuceConnectionFactory}, on the event loops of the HTTP server.
 */
final class EventLoopRedisFactory {

	private EventLoopRedisFactory() {
	}

	/**
	 * @param connections Spring Data's connection factory
	 * @param resources the application's Reactor Netty resources, or null for the global ones
	 * @return the connections, or null when Redis is not a standalone server reached through Lettuce over TCP (then
	 * decisions use the shared connection)
	 */
	static @Nullable EventLoopRedis create(ReactiveRedisConnectionFactory connections,
			@Nullable ReactorResourceFactory resources) {
		if (!(connections instanceof LettuceConnectionFactory lettuce) || lettuce.isRedisSentinelAware()
				|| lettuce.isClusterAware() || lettuce.getSocketConfiguration() != null) {
			return null;
		}
		// Spring Boot makes a standalone configuration from spring.data.redis.host/port/url. (A factory of one's own
		// for a static master/replica set cannot be told apart from here: set connection-per-event-loop=false.)
		RedisStandaloneConfiguration standalone = lettuce.getStandaloneConfiguration();
		LettuceClientConfiguration client = lettuce.getClientConfiguration();
		ClientResources shared = client.getClientResources().orElse(null);
		if (shared == null) {
			return null;
		}
		RedisURI.Builder uri = RedisURI.Builder.redis(standalone.getHostName(), standalone.getPort());
		String username = standalone.getUsername();
		char[] password = standalone.getPassword().toOptional().orElse(null);
		if (StringUtils.hasText(username)) {
			uri.withAuthentication(username, new String(password == null ? new char[0] : password));
		}
		else if (password != null) {
			uri.withPassword(password);
		}
		client.getRedisCredentialsProviderFactory()
			.ifPresent(factory -> uri.withAuthentication(factory.createCredentialsProvider(standalone)));
		client.getClientName().ifPresent(uri::withClientName);
		uri.withDatabase(standalone.getDatabase())
			.withSsl(client.isUseSsl())
			.withVerifyPeer(client.getVerifyMode())
			.withStartTls(client.isStartTls())
			.withTimeout(client.getCommandTimeout());
		Supplier<EventLoopGroup> loops = () -> {
			LoopResources loopResources = resources == null || resources.isUseGlobalResources() ? HttpResources.get()
					: resources.getLoopResources();
			return loopResources.onServer(LoopResources.DEFAULT_NATIVE);
		};
		return new EventLoopRedis(loops, shared, uri.build(), client.getClientOptions().orElse(null));
	}

}
