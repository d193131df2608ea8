package dev.lazypull.registry.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;

/**
 * The last inbound handler of a pooled connection: hands the response of the exchange in flight
 * to it, reads only as fast as the caller drains (auto-read is off), and turns silence while a
 * response is awaited into a stall error. Runs on the event loop; never blocks.
 */
final class ExchangeHandler extends ChannelInboundHandlerAdapter {
  private final long readTimeoutNanos;
  private Exchange exchange;
  private io.netty.util.concurrent.ScheduledFuture<?> stallCheck;

  ExchangeHandler(java.time.Duration readTimeout) {
    this.readTimeoutNanos = readTimeout.toNanos();
  }

  /** On the event loop, before the request is written. */
  void begin(Exchange next) {
    this.exchange = next;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    // Own check rather than IdleStateHandler: silence is counted from the start of the exchange,
    // not from the last byte of a previous one on this pooled connection.
    long period = Math.max(readTimeoutNanos / 4, java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(10));
    stallCheck = ctx.executor().scheduleAtFixedRate(() -> checkStall(ctx), period, period, java.util.concurrent.TimeUnit.NANOSECONDS);
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    stallCheck.cancel(false);
  }

  private void checkStall(ChannelHandlerContext ctx) {
    Exchange ex = exchange;
    if (ex != null && ex.stalled(System.nanoTime(), readTimeoutNanos)) {
      fail(ctx, new StalledResponseException("no data from " + ctx.channel().remoteAddress() + " for "
          + java.time.Duration.ofNanos(readTimeoutNanos).toMillis() + " ms (read timeout)"));
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    Exchange ex = exchange;
    if (ex == null) {
      // Bytes nobody asked for: the connection is out of step, drop it.
      ReferenceCountUtil.release(msg);
      ctx.close();
      return;
    }
    if (msg instanceof HttpResponse response) {
      if (response.status().equals(HttpResponseStatus.CONTINUE)) {
        ReferenceCountUtil.release(msg);
        return;
      }
      if (response.decoderResult().isFailure()) {
        ReferenceCountUtil.release(msg);
        fail(ctx, new IOException("malformed HTTP response: " + response.decoderResult().cause().getMessage()));
        return;
      }
      ex.onHead(response, HttpUtil.isKeepAlive(response));
    }
    if (msg instanceof HttpContent content) {
      // Ownership of the content buffer passes to the exchange's queue.
      if (msg instanceof LastHttpContent) {
        exchange = null;
        ex.onLast(content.content());
      } else {
        ex.onContent(content.content());
      }
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    Exchange ex = exchange;
    if (ex != null) {
      ex.afterRead();
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    fail(ctx, cause);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    stallCheck.cancel(false);
    Exchange ex = exchange;
    if (ex != null) {
      exchange = null;
      ClosedChannelException closed = new ClosedChannelException();
      ex.onFailure(new ConnectionClosedException(
          "connection closed by " + ctx.channel().remoteAddress() + " before the response was complete", ex.reusedConnection, closed));
    }
    ctx.fireChannelInactive();
  }

  private void fail(ChannelHandlerContext ctx, Throwable cause) {
    Exchange ex = exchange;
    exchange = null;
    if (ex != null) {
      ex.onFailure(cause);
    }
    ctx.close();
  }
}
