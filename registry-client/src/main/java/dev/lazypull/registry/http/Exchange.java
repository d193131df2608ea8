package dev.lazypull.registry.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpResponse;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * One request/response on one pooled connection, between the event loop (which fills it) and a
 * blocking caller (which drains it). Fields without {@code volatile} are touched on the event
 * loop only; the queue is the hand-off. Ownership: a {@link ByteBuf} in the queue belongs to the
 * queue until the caller takes it; whatever is left at cancel time is released on the loop.
 */
final class Exchange {
  /** Stop reading from the socket while this many bytes wait for the caller. */
  static final int HIGH_WATER = 1 << 20;

  static final Object END = new Object();

  final Channel channel;
  final ConnectionPool pool;
  final boolean reusedConnection;
  final CompletableFuture<HttpResponse> head = new CompletableFuture<>();
  final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();

  private int queuedBytes;
  private boolean paused;
  private boolean finished;
  private boolean keepAlive;
  private boolean cancelled;
  private long lastActivity = System.nanoTime();

  Exchange(Channel channel, ConnectionPool pool, boolean reusedConnection) {
    this.channel = channel;
    this.pool = pool;
    this.reusedConnection = reusedConnection;
  }

  // ---- event loop side ----

  void onHead(HttpResponse response, boolean keepAlive) {
    lastActivity = System.nanoTime();
    this.keepAlive = keepAlive;
    head.complete(response);
  }

  void onContent(ByteBuf content) {
    if (cancelled || finished) {
      content.release();
      return;
    }
    lastActivity = System.nanoTime();
    queuedBytes += content.readableBytes();
    queue.add(content);
  }

  /**
   * The last part of the body. The connection goes back to the pool before the caller can see the
   * last byte, so that the caller's next request finds it there.
   */
  void onLast(ByteBuf content) {
    if (finished) {
      content.release();
      return;
    }
    finished = true;
    pool.release(channel, keepAlive && !cancelled);
    if (content.isReadable()) {
      queuedBytes += content.readableBytes();
      queue.add(content);
    } else {
      content.release();
    }
    queue.add(END);
  }

  void onFailure(Throwable cause) {
    if (finished) {
      return;
    }
    finished = true;
    IOException error = cause instanceof IOException io ? io : new IOException(cause.getMessage(), cause);
    if (!head.completeExceptionally(error)) {
      queue.add(error);
    }
    pool.release(channel, false);
  }

  /** After a read completes: read more unless the caller is behind. */
  void afterRead() {
    if (finished) {
      return;
    }
    if (queuedBytes < HIGH_WATER) {
      channel.read();
    } else {
      paused = true;
    }
  }

  /**
   * Whether the network has been silent for longer than {@code timeoutNanos} while a response is
   * awaited; time the caller holds the body back (paused) does not count.
   */
  boolean stalled(long now, long timeoutNanos) {
    return !finished && !paused && now - lastActivity > timeoutNanos;
  }

  // ---- caller side (each hops to the event loop) ----

  void consumed(int bytes) {
    channel.eventLoop().execute(() -> {
      queuedBytes -= bytes;
      if (paused && queuedBytes < HIGH_WATER / 2 && !finished) {
        paused = false;
        lastActivity = System.nanoTime();
        channel.read();
      }
    });
  }

  void cancel() {
    channel.eventLoop().execute(() -> {
      cancelled = true;
      if (!finished) {
        finished = true;
        head.cancel(false);
        pool.release(channel, false);
      }
      for (Object o; (o = queue.poll()) != null; ) {
        if (o instanceof ByteBuf buf) {
          buf.release();
        }
      }
    });
  }
}
