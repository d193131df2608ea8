package dev.lazypull.snapshotter.cache;

import dev.lazypull.oci.Digest;
import dev.lazypull.snapshotter.stats.ReadStats;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Verified, uncompressed chunks by digest: the memory tier, then the disk tier (absent when the
 * cache runs without a directory). Only chunks whose digest was checked enter it; what it returns
 * was checked on the way in (memory) or on the way out (disk). Returned arrays are shared and
 * must not be modified.
 */
public final class ChunkCache implements AutoCloseable {
  private final MemoryTier memory;
  private final DiskTier disk;
  private final ReadStats stats;

  private ChunkCache(MemoryTier memory, DiskTier disk, ReadStats stats) {
    this.memory = memory;
    this.disk = disk;
    this.stats = stats;
  }

  /** A cache with a memory tier of {@code memoryBytes} and, when {@code cacheDir} is not null, a disk tier of {@code diskBytes}. */
  public static ChunkCache open(long memoryBytes, Path cacheDir, long diskBytes, ReadStats stats) throws IOException {
    DiskTier disk = cacheDir == null ? null : DiskTier.open(cacheDir, diskBytes, stats);
    return new ChunkCache(new MemoryTier(memoryBytes), disk, stats);
  }

  /** The chunk from memory, or null. Never blocks on I/O. */
  public byte[] getFromMemory(Digest digest) {
    byte[] data = memory.get(digest);
    if (data != null) {
      stats.memoryHit();
    } else {
      stats.memoryMiss();
    }
    return data;
  }

  /** The chunk from memory without counting a hit or miss (a recheck), or null. */
  public byte[] peekMemory(Digest digest) {
    return memory.get(digest);
  }

  /**
   * Whether the disk tier has a file for the chunk, without reading or verifying it (one stat):
   * enough to decide not to fetch it ahead, not to serve it.
   */
  public boolean isOnDisk(Digest digest) {
    return disk != null && java.nio.file.Files.exists(disk.pathOf(digest));
  }

  /** The chunk from disk (then held in memory), or null. Blocks on file I/O. */
  public byte[] getFromDisk(Digest digest) {
    if (disk == null) {
      return null;
    }
    byte[] data = disk.get(digest);
    if (data == null) {
      stats.diskMiss();
      return null;
    }
    stats.diskHit();
    memory.put(digest, data);
    return data;
  }

  /** The chunk from memory, else from disk, else null. */
  public byte[] get(Digest digest) {
    byte[] data = getFromMemory(digest);
    return data != null ? data : getFromDisk(digest);
  }

  /** Holds a chunk whose digest the caller has verified in memory. */
  public void putInMemory(Digest digest, byte[] verified) {
    memory.put(digest, verified);
  }

  /**
   * Writes a verified chunk to the disk tier. Blocks on file I/O; a failure (disk full) is
   * counted and logged by the tier and leaves the chunk served from memory.
   */
  public void putOnDisk(Digest digest, byte[] verified) {
    if (disk != null) {
      disk.put(digest, verified);
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

  @Override
  public void close() {
    if (disk != null) {
      disk.close();
    }
  }
}
