package dev.lazypull.registry.http;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.Future;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Deque;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.Semaphore;

/**
 * The keep-alive connections to one origin, and the bound on requests in flight to it: a request
 * holds a permit from before it takes a connection until its response has ended, so there are
 * never more connections than permits. Idle connections are reused most-recent first.
 */
final class ConnectionPool implements AutoCloseable {
  private final Origin origin;
  private final Bootstrap bootstrap;
  private final Semaphore permits;
  private final Deque<Channel> idle = new ConcurrentLinkedDeque<>();
  private volatile Channel http2;
  private volatile String protocol;
  private volatile boolean closed;

  ConnectionPool(Origin origin, Bootstrap bootstrap, int maxInFlight) {
    this.origin = origin;
    this.bootstrap = bootstrap;
    this.permits = new Semaphore(maxInFlight, true);
  }

  /** A connection with a permit; give both back with {@link #release}. */
  Lease acquire() throws IOException {
    try {
      permits.acquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for a connection to " + origin);
    }
    try {
      Channel h2 = http2;
      if (h2 != null && h2.isActive()) {
        return new Lease(ProtocolSelector.openStream(h2), true);
      }
      for (Channel c; (c = idle.pollFirst()) != null; ) {
        if (c.isActive()) {
          return new Lease(c, true);
        }
        c.close();
      }
      Channel fresh = connect();
      if (ProtocolSelector.isHttp2(fresh)) {
        protocol = "h2";
        http2 = fresh;
        return new Lease(ProtocolSelector.openStream(fresh), false);
      }
      protocol = "http/1.1";
      return new Lease(fresh, false);
    } catch (IOException | RuntimeException e) {
      permits.release();
      throw e;
    }
  }

  /** Called once per lease, on the event loop or by the caller. */
  void release(Channel channel, boolean reusable) {
    if (channel instanceof io.netty.handler.codec.http2.Http2StreamChannel) {
      channel.close(); // a stream serves one exchange; its connection stays
    } else if (reusable && !closed && channel.isActive()) {
      idle.addFirst(channel);
    } else {
      channel.close();
    }
    permits.release();
  }

  private Channel connect() throws IOException {
    // Resolve on the calling (virtual) thread: Netty's default resolver would block an event loop.
    InetAddress address;
    try {
      address = InetAddress.getByName(origin.host());
    } catch (java.net.UnknownHostException e) {
      throw new IOException("unknown host " + origin.host(), e);
    }
    ChannelFuture connect = bootstrap.clone().attr(HttpTransport.ORIGIN, origin).connect(new InetSocketAddress(address, origin.port()));
    Channel channel = await(connect, "connect to " + origin).channel();
    SslHandler ssl = channel.pipeline().get(SslHandler.class);
    if (ssl != null) {
      Future<Channel> handshake = ssl.handshakeFuture();
      try {
        await(handshake, "TLS handshake with " + origin);
        // The protocol handlers are installed on the event loop right after the handshake.
        await(channel.eventLoop().submit(() -> null), "protocol selection with " + origin);
      } catch (IOException e) {
        channel.close();
        throw e;
      }
    }
    return channel;
  }

  private static <T extends Future<?>> T await(T future, String what) throws IOException {
    try {
      future.await();
    } catch (InterruptedException e) {
      future.cancel(false);
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted during " + what);
    }
    if (!future.isSuccess()) {
      Throwable cause = future.cause();
      if (cause instanceof javax.net.ssl.SSLException ssl) {
        throw ssl;
      }
      if (cause instanceof io.netty.handler.codec.DecoderException d && d.getCause() instanceof javax.net.ssl.SSLException ssl) {
        throw ssl;
      }
      throw new IOException("cannot " + what + ": " + cause, cause);
    }
    return future;
  }

  String protocol() {
    return protocol;
  }

  @Override
  public void close() {
    closed = true;
    Channel h2 = http2;
    if (h2 != null) {
      h2.close();
    }
    for (Channel c; (c = idle.pollFirst()) != null; ) {
      c.close();
    }
  }

  record Lease(Channel channel, boolean reused) {}
}
