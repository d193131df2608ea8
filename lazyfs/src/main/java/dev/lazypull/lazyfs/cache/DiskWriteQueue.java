package dev.lazypull.lazyfs.cache;

import dev.lazypull.oci.Digest;
import dev.lazypull.lazyfs.stats.ReadStats;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Verified chunks on their way to the disk tier, off the read path: a few writer threads and a
 * queue bounded by the bytes it holds. When the queue is full (the disk is slower than the
 * registry) a chunk is not queued: it stays served from the memory tier, and the dropped write
 * is counted. Bounding by bytes rather than entries keeps the memory the queue pins bounded
 * whatever the chunk sizes.
 */
final class DiskWriteQueue implements AutoCloseable {
  private static final int WRITERS = 2;

  private final DiskTier disk;
  private final long maxPendingBytes;
  private final ReadStats stats;
  private final AtomicLong pendingBytes = new AtomicLong();
  private final ThreadPoolExecutor writers;

  DiskWriteQueue(DiskTier disk, long maxPendingBytes, ReadStats stats) {
    if (maxPendingBytes < 0) {
      throw new IllegalArgumentException("disk write queue size must not be negative: " + maxPendingBytes);
    }
    this.disk = disk;
    this.maxPendingBytes = maxPendingBytes;
    this.stats = stats;
    this.writers = new ThreadPoolExecutor(WRITERS, WRITERS, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
        Thread.ofVirtual().name("lazypull-cache-writer-", 0).factory());
  }

  /** Queues a verified chunk for the disk tier; false when the queue is full (or closed) and the write is dropped. */
  boolean offer(Digest digest, byte[] verified) {
    long size = verified.length;
    long now = pendingBytes.addAndGet(size);
    if (now > maxPendingBytes) {
      pendingBytes.addAndGet(-size);
      stats.diskWriteDropped();
      return false;
    }
    try {
      writers.execute(() -> {
        try {
          disk.put(digest, verified);
        } finally {
          pendingBytes.addAndGet(-size);
        }
      });
      return true;
    } catch (RejectedExecutionException closed) {
      pendingBytes.addAndGet(-size);
      stats.diskWriteDropped();
      return false;
    }
  }

  /** Bytes waiting to be written. */
  long pendingBytes() {
    return pendingBytes.get();
  }

  /** Writes what is queued, then stops. */
  @Override
  public void close() {
    writers.close();
  }
}
