package dev.lazypull.registry.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import io.netty.handler.stream.ChunkedWriteHandler;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.time.Duration;

/**
 * Installs the HTTP layer after the TLS handshake by what ALPN chose: HTTP/1.1 handlers on the
 * connection, or an HTTP/2 frame codec and multiplexer whose streams each get the HTTP/1-style
 * handlers, so that one {@link ExchangeHandler} serves both protocols.
 */
final class ProtocolSelector extends ApplicationProtocolNegotiationHandler {
  private final Duration readTimeout;

  ProtocolSelector(Duration readTimeout) {
    super(ApplicationProtocolNames.HTTP_1_1);
    this.readTimeout = readTimeout;
  }

  @Override
  protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
    if (ApplicationProtocolNames.HTTP_2.equals(protocol)) {
      ctx.pipeline().addLast(Http2FrameCodecBuilder.forClient().build(), new Http2MultiplexHandler(new RefuseServerStreams()));
      ctx.channel().attr(READ_TIMEOUT).set(readTimeout);
      // Streams are read on demand each; the connection itself must always read (frames of all streams).
      ctx.channel().config().setAutoRead(true);
    } else {
      http1(ctx.pipeline(), readTimeout);
    }
  }

  // Handshake failures reach the caller through the handshake future; no log line of their own.
  @Override
  protected void handshakeFailure(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();
  }

  static final io.netty.util.AttributeKey<Duration> READ_TIMEOUT = io.netty.util.AttributeKey.valueOf("lazypull.readTimeout");

  static void http1(ChannelPipeline pipeline, Duration readTimeout) {
    pipeline.addLast(new HttpClientCodec(), new ChunkedWriteHandler(), new ExchangeHandler(readTimeout));
  }

  static boolean isHttp2(Channel channel) {
    return channel.pipeline().get(Http2MultiplexHandler.class) != null;
  }

  /** A new stream on an HTTP/2 connection, ready for one exchange. */
  static Channel openStream(Channel connection) throws IOException {
    Duration readTimeout = connection.attr(READ_TIMEOUT).get();
    io.netty.util.concurrent.Future<Http2StreamChannel> open = new Http2StreamChannelBootstrap(connection)
        .option(ChannelOption.AUTO_READ, false)
        .handler(new ChannelInitializer<Http2StreamChannel>() {
          @Override
          protected void initChannel(Http2StreamChannel ch) {
            ch.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(false), new ChunkedWriteHandler(), new ExchangeHandler(readTimeout));
          }
        })
        .open();
    try {
      open.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while opening an HTTP/2 stream");
    }
    if (!open.isSuccess()) {
      throw new ConnectionClosedException("cannot open an HTTP/2 stream: " + open.cause(), true, open.cause());
    }
    return open.getNow();
  }

  /** A client accepts no pushed streams. */
  private static final class RefuseServerStreams extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ReferenceCountUtil.release(msg);
      ctx.close();
    }
  }
}
