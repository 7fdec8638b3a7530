package io.restygateway.slice;

import java.net.URI;
import java.util.List;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.netty.Connection;
import reactor.netty.http.client.HttpClient;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpCookie;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.server.reactive.AbstractServerHttpRequest;
import org.springframework.http.server.reactive.SslInfo;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import org.springframework.web.server.ServerWebExchange;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Slice requests go on connections of the client connection's own event loop, so that a slice is read and written
 * on one thread.
 */
class SliceUpstreamTests {

	static EventLoopGroup loops;

	@BeforeAll
	static void start() {
		loops = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
	}

	@AfterAll
	static void stop() {
		loops.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
	}

	private final HttpClient shared = HttpClient.create();

	private final SliceUpstream upstream = new SliceUpstream(this.shared, List.of());

	@Test
	void eachEventLoopHasItsOwnClientRunningOnIt() {
		EventLoop first = loops.next();
		EventLoop second = loops.next();
		assertThat(first).isNotSameAs(second);
		HttpClient onFirst = this.upstream.client(exchangeOn(first));
		HttpClient onSecond = this.upstream.client(exchangeOn(second));
		assertThat(onFirst.configuration().loopResources().onClient(true)).isSameAs(first);
		assertThat(onSecond.configuration().loopResources().onClient(true)).isSameAs(second);
		assertThat(this.upstream.client(exchangeOn(first))).as("one client a loop, made once").isSameAs(onFirst);
		assertThat(onFirst.configuration().channelHash()).as("so one pool a loop")
			.isNotEqualTo(onSecond.configuration().channelHash());
	}

	@Test
	void anExchangeNotOnANettyConnectionUsesTheSharedClient() {
		ServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/obj"));
		assertThat(this.upstream.client(exchange)).isSameAs(this.shared);
	}

	private static ServerWebExchange exchangeOn(EventLoop loop) {
		Channel channel = new NioSocketChannel();
		loop.register(channel).syncUninterruptibly();
		Connection connection = Connection.from(channel);
		return MockServerWebExchange.from(MockServerHttpRequest.get("/obj"))
			.mutate()
			.request(new NettyRequest(connection))
			.build();
	}

	/** A request that comes on a Reactor Netty connection, as WebFlux's Reactor Netty request does. */
	static final class NettyRequest extends AbstractServerHttpRequest {

		private final Connection connection;

		NettyRequest(Connection connection) {
			super(HttpMethod.GET, URI.create("http://localhost/obj"), null, new HttpHeaders());
			this.connection = connection;
		}

		@Override
		protected MultiValueMap<String, HttpCookie> initCookies() {
			return new LinkedMultiValueMap<>();
		}

		@Override
		protected SslInfo initSslInfo() {
			return null;
		}

		@Override
		@SuppressWarnings("unchecked")
		public <T> T getNativeRequest() {
			return (T) this.connection;
		}

		@Override
		public Flux<DataBuffer> getBody() {
			return Flux.empty();
		}

	}

}
