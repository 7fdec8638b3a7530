package io.restygateway.core;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.LastHttpContent;
import reactor.netty.NettyPipeline;
import reactor.netty.http.server.HttpServer;

import org.springframework.boot.reactor.netty.NettyServerCustomizer;

/**
 * Asks the connection for the next request once a response has been written, on HTTP/1.1 keep-alive connections.
 * <p>
 * Reactor Netty reads on demand, and up to at least 1.3.6 it can forget to: when a keep-alive request arrives before
 * the previous request's operations have terminated, it is queued, and if the queue then drains without another
 * request to dispatch, no read is asked for again and the connection hangs with the client's next request unread in
 * the socket (reactor/reactor-netty#4361, fixed by #4347). A client that answers fast on one connection, such as one
 * hammering a rate-limited route that refuses it with 429s, hits it about once in a few thousand requests. Reading
 * once more after each complete response is harmless otherwise: Netty folds extra reads into the pending one, and a
 * request read early is queued by Reactor Netty as a pipelined one.
 */
public class KeepAliveReadGuard implements NettyServerCustomizer {

	static final String HANDLER_NAME = "resty.readAfterResponse";

	@Override
	public HttpServer apply(HttpServer server) {
		return server.doOnChannelInit((observer, channel, remoteAddress) -> {
			ChannelPipeline pipeline = channel.pipeline();
			if (pipeline.get(NettyPipeline.HttpCodec) != null && pipeline.get(HANDLER_NAME) == null) {
				pipeline.addAfter(NettyPipeline.HttpCodec, HANDLER_NAME, new ReadAfterResponse());
			}
		});
	}

	/** Between the codec and Reactor Netty's traffic handler, where whole HTTP messages are written. */
	static final class ReadAfterResponse extends ChannelOutboundHandlerAdapter {

		@Override
		public void write(ChannelHandlerContext ctx, Object message, ChannelPromise promise) throws Exception {
			if (!(message instanceof LastHttpContent)) {
				ctx.write(message, promise);
				return;
			}
			ChannelPromise written = promise.unvoid();
			written.addListener(future -> {
				if (future.isSuccess() && ctx.channel().isActive() && !ctx.channel().config().isAutoRead()) {
					// After whatever Reactor Netty does on this event loop once the response is out.
					ctx.channel().eventLoop().execute(() -> {
						if (ctx.channel().isActive()) {
							ctx.read();
						}
					});
				}
			});
			ctx.write(message, written);
		}

	}

}
