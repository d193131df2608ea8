package dev.lazypull.format.encode;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import dev.lazypull.oci.Digest;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Compresses frames on {@code threads} worker threads and writes them to the blob in submission
 * order. At most {@code 2 * threads + 1} frames are in flight, so memory stays bounded by a few
 * maximum-size chunks however large the layer. Each worker also hashes its frame's uncompressed
 * bytes; the blob's digest is computed here as the bytes are written.
 */
final class FrameCompressor implements AutoCloseable {
  /** One compressed frame, ready to be written. */
  record Frame(byte[] compressed, int compressedLength, int uncompressedLength, byte[] sha256) {}

  /** Called in blob order for every frame written. */
  interface Listener {
    void written(Frame frame);
  }

  private final OutputStream out;
  private final ExecutorService workers;
  private final BlockingQueue<ZstdCompressCtx> contexts;
  private final ArrayDeque<CompletableFuture<Frame>> inFlight = new ArrayDeque<>();
  private final int maxInFlight;
  private final Listener listener;
  private final MessageDigest blobSha = Digest.newSha256();
  private long written;
  private boolean closed;

  FrameCompressor(OutputStream out, int level, int threads, Listener listener) {
    this.out = out;
    this.listener = listener;
    this.maxInFlight = 2 * threads + 1;
    this.contexts = new ArrayBlockingQueue<>(threads);
    for (int i = 0; i < threads; i++) {
      ZstdCompressCtx ctx = new ZstdCompressCtx();
      ctx.setLevel(level);
      ctx.setContentSize(true);
      ctx.setChecksum(false);
      contexts.add(ctx);
    }
    this.workers = Executors.newFixedThreadPool(threads, Thread.ofPlatform().daemon().name("lazypull-zstd-", 0).factory());
  }

  /** Queues {@code bytes[0, length)} as the next frame; takes ownership of {@code bytes}. */
  void submit(byte[] bytes, int length) throws IOException {
    while (inFlight.size() >= maxInFlight) {
      writeHead();
    }
    inFlight.add(CompletableFuture.supplyAsync(() -> compress(bytes, length), workers));
    while (!inFlight.isEmpty() && inFlight.peekFirst().isDone()) {
      writeHead();
    }
  }

  /** Writes every queued frame. */
  void drain() throws IOException {
    while (!inFlight.isEmpty()) {
      writeHead();
    }
  }

  /** Writes bytes that are not a data frame (the TOC) after draining the queue. */
  void writeRaw(byte[] bytes) throws IOException {
    drain();
    out.write(bytes);
    blobSha.update(bytes);
    written += bytes.length;
  }

  long written() {
    return written;
  }

  Digest blobDigest() {
    return Digest.of(blobSha.digest());
  }

  private Frame compress(byte[] bytes, int length) {
    ZstdCompressCtx ctx = contexts.remove();
    try {
      byte[] dst = new byte[(int) Zstd.compressBound(length)];
      int n = ctx.compressByteArray(dst, 0, dst.length, bytes, 0, length);
      MessageDigest sha = Digest.newSha256();
      sha.update(bytes, 0, length);
      return new Frame(dst, n, length, sha.digest());
    } finally {
      contexts.add(ctx);
    }
  }

  private void writeHead() throws IOException {
    Frame frame;
    try {
      frame = inFlight.removeFirst().get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while compressing a frame");
    } catch (ExecutionException e) {
      throw new IOException("compressing a frame failed: " + e.getCause(), e.getCause());
    }
    out.write(frame.compressed(), 0, frame.compressedLength());
    blobSha.update(frame.compressed(), 0, frame.compressedLength());
    written += frame.compressedLength();
    listener.written(frame);
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    inFlight.forEach(f -> f.cancel(false));
    inFlight.clear();
    workers.shutdownNow();
    try {
      workers.awaitTermination(1, java.util.concurrent.TimeUnit.MINUTES);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    contexts.forEach(ZstdCompressCtx::close);
  }
}
