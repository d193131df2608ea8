package dev.lazypull.registry.http;

import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;

/**
 * The body of a response as a blocking stream, for one reader thread. Each network buffer is
 * released as soon as it has been copied out; {@link #close()} before the end discards the rest
 * and closes the connection (it cannot be reused with unread bytes on it).
 */
public final class ResponseBody extends InputStream {
  private final Exchange exchange;
  private ByteBuf current;
  private int currentSize;
  private boolean ended;
  private boolean closed;

  ResponseBody(Exchange exchange) {
    this.exchange = exchange;
  }

  /** A body that has already ended (HEAD, 204). */
  static ResponseBody ended(Exchange exchange) {
    ResponseBody body = new ResponseBody(exchange);
    body.ended = true;
    return body;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (closed) {
      throw new IOException("response body closed");
    }
    if (len == 0) {
      return 0;
    }
    if (!fill()) {
      return -1;
    }
    int n = Math.min(len, current.readableBytes());
    current.readBytes(b, off, n);
    return n;
  }

  /** Reads the whole body, failing when it is longer than {@code limit} bytes. */
  public byte[] readAll(int limit) throws IOException {
    byte[] bytes = readNBytes(limit + 1);
    if (bytes.length > limit) {
      close();
      throw new IOException("response body longer than " + limit + " bytes");
    }
    return bytes;
  }

  private boolean fill() throws IOException {
    while (current == null || !current.isReadable()) {
      releaseCurrent();
      if (ended) {
        return false;
      }
      Object next;
      try {
        next = exchange.queue.take();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        close();
        throw new InterruptedIOException("interrupted while reading a response body");
      }
      if (next == Exchange.END) {
        ended = true;
        return false;
      }
      if (next instanceof IOException e) {
        ended = true;
        throw new IOException(e.getMessage(), e);
      }
      current = (ByteBuf) next;
      currentSize = current.readableBytes();
    }
    return true;
  }

  private void releaseCurrent() {
    if (current != null) {
      current.release();
      exchange.consumed(currentSize);
      current = null;
    }
  }

  /** Whether the whole body has been read (the connection went back to its pool). */
  public boolean complete() {
    return ended;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    releaseCurrent();
    if (!ended) {
      exchange.cancel();
    }
  }
}
