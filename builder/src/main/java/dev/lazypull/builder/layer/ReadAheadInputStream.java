package dev.lazypull.builder.layer;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Reads its source on a thread of its own, a bounded number of buffers ahead, so that the work
 * behind the source (decompression, network) runs on one core while the reader (tar parsing and
 * encoding) runs on another. Memory is bounded by {@code depth} buffers; buffers are recycled.
 * One reader thread only.
 */
public final class ReadAheadInputStream extends InputStream {
  private static final byte[] END = new byte[0];

  private final InputStream source;
  private final BlockingQueue<Filled> filled;
  private final BlockingQueue<byte[]> free;
  private final Thread producer;
  private volatile boolean closed;
  private Filled current;
  private int pos;
  private IOException failure;

  private record Filled(byte[] buffer, int length, IOException error) {}

  public ReadAheadInputStream(InputStream source, int bufferSize, int depth, String threadName) {
    this.source = source;
    this.filled = new ArrayBlockingQueue<>(depth + 1);
    this.free = new ArrayBlockingQueue<>(depth);
    for (int i = 0; i < depth; i++) {
      free.add(new byte[bufferSize]);
    }
    this.producer = Thread.ofPlatform().daemon().name(threadName).start(this::produce);
  }

  private void produce() {
    try {
      while (!closed) {
        byte[] buffer = free.take();
        int n = source.readNBytes(buffer, 0, buffer.length);
        if (n > 0) {
          filled.put(new Filled(buffer, n, null));
        }
        if (n < buffer.length) {
          filled.put(new Filled(END, 0, null));
          return;
        }
      }
    } catch (InterruptedException e) {
      // closed by the reader
    } catch (IOException e) {
      filled.offer(new Filled(END, 0, e));
    } catch (RuntimeException e) {
      filled.offer(new Filled(END, 0, new IOException(e.getMessage(), e)));
    }
  }

  private boolean fill() throws IOException {
    if (failure != null) {
      throw failure;
    }
    if (current != null && pos < current.length) {
      return true;
    }
    if (current != null && current.buffer != END) {
      free.add(current.buffer);
    }
    if (current != null && current.buffer == END) {
      return false;
    }
    try {
      current = filled.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for input");
    }
    pos = 0;
    if (current.error != null) {
      failure = current.error;
      throw failure;
    }
    return current.length > 0;
  }

  @Override
  public int read() throws IOException {
    if (!fill()) {
      return -1;
    }
    return current.buffer[pos++] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    if (!fill()) {
      return -1;
    }
    int n = Math.min(len, current.length - pos);
    System.arraycopy(current.buffer, pos, b, off, n);
    pos += n;
    return n;
  }

  @Override
  public long skip(long n) throws IOException {
    long skipped = 0;
    while (skipped < n && fill()) {
      int step = (int) Math.min(n - skipped, current.length - pos);
      pos += step;
      skipped += step;
    }
    return skipped;
  }

  @Override
  public int available() {
    return current == null ? 0 : current.length - pos;
  }

  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    producer.interrupt();
    try {
      source.close();
    } finally {
      try {
        // A read blocked in the network does not see the interrupt; do not wait for it forever.
        producer.join(java.time.Duration.ofSeconds(5));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
