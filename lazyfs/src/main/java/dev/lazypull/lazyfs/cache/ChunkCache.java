package dev.lazypull.lazyfs.cache;

import dev.lazypull.oci.Digest;
import dev.lazypull.lazyfs.stats.ReadStats;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;

/**
 * The node's chunk cache: verified, uncompressed chunks by digest, in a memory tier and (when the
 * cache has a directory) a disk tier, with the chunks in flight between them. One instance serves
 * every mount of a process (the node agent opens one); each mount brings its own {@link Loader}
 * (its registry) and its own read counters.
 *
 * <p>{@link #get} is the one lookup path: memory, then disk, then the caller's loader, with
 * single-flight, because the memory tier is a Caffeine {@code AsyncCache} of futures in which a
 * chunk in flight is an entry like a held one (see {@link MemoryTier}). Only chunks whose digest
 * was checked enter it: the loader completes a future with verified bytes only, and the disk tier
 * verifies what it reads. Verified fetched chunks go to disk through a bounded queue ({@link
 * DiskWriteQueue}); a full queue drops the write and the chunk is served from memory.
 *
 * <p>Returned arrays are shared and must not be modified.
 */
public final class ChunkCache implements AutoCloseable {
  /** Bytes of verified chunks that may wait for the disk at once; past it, writes are dropped. */
  public static final long DEFAULT_WRITE_QUEUE_BYTES = 64L << 20;

  /**
   * Loads chunks the cache holds nowhere, typically from a registry. It must complete every
   * future of {@code claims} (with the chunk's verified bytes, or exceptionally; a future that
   * fails leaves the cache, so a later lookup tries again), and should not block: it is called
   * on the looking-up thread or on one of the cache's I/O threads.
   */
  @FunctionalInterface
  public interface Loader {
    void load(Map<Digest, CompletableFuture<byte[]>> claims);
  }

  private final MemoryTier memory;
  private final DiskTier disk;
  private final DiskWriteQueue writes;
  private final ExecutorService diskReads = Executors.newVirtualThreadPerTaskExecutor();

  private ChunkCache(MemoryTier memory, DiskTier disk, DiskWriteQueue writes) {
    this.memory = memory;
    this.disk = disk;
    this.writes = writes;
  }

  /** A cache with a memory tier of {@code memoryBytes} and, when {@code cacheDir} is not null, a disk tier of {@code diskBytes}. */
  public static ChunkCache open(long memoryBytes, Path cacheDir, long diskBytes, ReadStats stats) throws IOException {
    return open(memoryBytes, cacheDir, diskBytes, DEFAULT_WRITE_QUEUE_BYTES, stats);
  }

  /**
   * As {@link #open(long, Path, long, ReadStats)}, with at most {@code writeQueueBytes} of chunks
   * waiting for the disk. {@code stats} receives the cache's own events (evictions, dropped and
   * failed writes, corrupt disk chunks) and reports its sizes; lookups count into the caller's.
   * Returns without waiting for the disk tier's accounting (see {@link DiskTier}).
   */
  public static ChunkCache open(long memoryBytes, Path cacheDir, long diskBytes, long writeQueueBytes, ReadStats stats)
      throws IOException {
    MemoryTier memory = new MemoryTier(memoryBytes, stats);
    DiskTier disk = cacheDir == null ? null : DiskTier.open(cacheDir, diskBytes, stats);
    DiskWriteQueue writes = disk == null ? null : new DiskWriteQueue(disk, writeQueueBytes, stats);
    stats.cacheSizes(memory::weightedSize, disk == null ? () -> 0L : disk::usedBytes);
    return new ChunkCache(memory, disk, writes);
  }

  /**
   * One future per digest, in order: completed for chunks in memory, else the fetch in flight,
   * else the chunk is claimed, looked up on disk (on a virtual thread) and what is not there is
   * handed to {@code loader} in one call, so that it can merge neighbours into one request.
   * Counts memory and disk hits and misses into {@code stats}. Never blocks on I/O.
   */
  public List<CompletableFuture<byte[]>> get(List<Digest> digests, Loader loader, ReadStats stats) {
    List<CompletableFuture<byte[]>> out = new ArrayList<>(digests.size());
    Map<Digest, CompletableFuture<byte[]>> claimed = new LinkedHashMap<>();
    for (Digest d : digests) {
      CompletableFuture<byte[]> f = memory.getOrClaim(d, mine -> claimed.put(d, mine));
      if (f.isDone() && !f.isCompletedExceptionally()) {
        stats.memoryHit();
      } else {
        stats.memoryMiss();
      }
      out.add(f);
    }
    if (!claimed.isEmpty()) {
      if (disk == null) {
        load(loader, claimed);
      } else {
        try {
          diskReads.execute(() -> fromDisk(claimed, loader, stats));
        } catch (RejectedExecutionException closed) {
          claimed.values().forEach(f -> f.completeExceptionally(new IOException("the chunk cache is closed")));
        }
      }
    }
    return out;
  }

  private void fromDisk(Map<Digest, CompletableFuture<byte[]>> claimed, Loader loader, ReadStats stats) {
    Map<Digest, CompletableFuture<byte[]>> missing = new LinkedHashMap<>();
    claimed.forEach((d, f) -> {
      byte[] data;
      try {
        data = disk.get(d);
      } catch (RuntimeException e) {
        data = null;
      }
      if (data != null) {
        stats.diskHit();
        f.complete(data);
      } else {
        stats.diskMiss();
        missing.put(d, f);
      }
    });
    if (!missing.isEmpty()) {
      load(loader, missing);
    }
  }

  private void load(Loader loader, Map<Digest, CompletableFuture<byte[]>> missing) {
    missing.forEach(this::writeWhenLoaded);
    try {
      loader.load(missing);
    } catch (RuntimeException e) {
      missing.values().forEach(f -> f.completeExceptionally(e));
    }
  }

  private void writeWhenLoaded(Digest d, CompletableFuture<byte[]> f) {
    if (writes != null) {
      f.thenAccept(verified -> writes.offer(d, verified));
    }
  }

  /**
   * Claims a chunk that a loader wants to fetch besides the ones it was asked for (readahead): a
   * new future in the cache, which the caller must complete like a {@link Loader}'s, or null
   * when the chunk is in memory, in flight or on disk already.
   */
  public CompletableFuture<byte[]> claim(Digest digest) {
    if (memory.contains(digest) || (disk != null && disk.contains(digest))) {
      return null;
    }
    CompletableFuture<byte[]> mine = memory.claim(digest);
    if (mine != null) {
      writeWhenLoaded(digest, mine);
    }
    return mine;
  }

  /** The chunk if it is in memory (not merely in flight), or null; counts nothing. Never blocks. */
  public byte[] getIfInMemory(Digest digest) {
    return memory.getNow(digest);
  }

  /** Whether the chunk is in memory or in flight. */
  public boolean inMemory(Digest digest) {
    return memory.contains(digest);
  }

  /** Whether the disk tier knows the chunk or has a file for it, unverified (see {@link DiskTier#contains}). */
  public boolean isOnDisk(Digest digest) {
    return disk != null && disk.contains(digest);
  }

  /** Holds a chunk whose digest the caller has verified, in memory and (queued) on disk. */
  public void put(Digest digest, byte[] verified) {
    memory.put(digest, verified);
    if (writes != null) {
      writes.offer(digest, verified);
    }
  }

  /** The disk tier, or null when the cache has none. */
  public DiskTier disk() {
    return disk;
  }

  long memoryWeightedSize() {
    memory.cleanUp();
    return memory.weightedSize();
  }

  /** Waits for queued disk writes (so that a later process finds them), then closes the disk tier. */
  @Override
  public void close() {
    diskReads.close();
    if (writes != null) {
      writes.close();
    }
    if (disk != null) {
      disk.close();
    }
  }
}
