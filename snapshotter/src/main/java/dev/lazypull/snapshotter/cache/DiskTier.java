package dev.lazypull.snapshotter.cache;

import dev.lazypull.oci.Digest;
import dev.lazypull.snapshotter.stats.ReadStats;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The disk tier: uncompressed chunks stored by content under {@code CACHE/chunks/sha256/ab/<hex>},
 * shared by every mount (and every process) that uses the same cache directory.
 *
 * <p>Crash safety: a chunk is written to a temporary file in its final directory and renamed into
 * place, so no reader ever sees a half-written chunk under a digest name. Files are not fsynced:
 * instead every chunk is verified against its digest when it is read back (SHA-256 runs at
 * about 2 GB/s with the CPU's SHA extensions, and a disk hit is then held in the memory tier, so
 * each chunk is hashed at most once per process). That also covers what rename alone cannot: a
 * power loss that leaves a renamed but empty file, a disk error, or a file changed by hand. A
 * chunk that fails verification is deleted and counts as a miss.
 *
 * <p>Size bound: least recently used first, by modification time, which a hit refreshes (atime is
 * unreliable under relatime/noatime). Several processes share the directory without
 * coordination, so eviction works from a fresh scan of the directory and tolerates files that
 * vanish under it; a reader that loses a race with eviction sees a miss, never an error. Each
 * process rescans after writing an eighth of the limit, so the directory exceeds the limit by at
 * most that much per other writer between scans.
 *
 * <p>A failed write (disk full, read-only, I/O error) is logged, counted and dropped: the chunk is
 * still served from memory, and the temporary file is removed.
 */
public final class DiskTier implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(DiskTier.class.getName());
  private static final String TEMP_PREFIX = ".tmp-";
  // A temporary file older than this was left by a crashed process: no live write takes so long.
  private static final long STALE_TEMP_MILLIS = TimeUnit.HOURS.toMillis(1);
  private static final long WRITE_FAILURE_LOG_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);

  private final Path chunksDir;
  private final long maxBytes;
  private final ReadStats stats;
  private final AtomicLong usedBytes = new AtomicLong();
  private final AtomicLong writtenSinceScan = new AtomicLong();
  private final AtomicBoolean evicting = new AtomicBoolean();
  private final AtomicLong lastWriteFailureLog = new AtomicLong(System.nanoTime() - WRITE_FAILURE_LOG_INTERVAL_NANOS);
  private final ExecutorService background = Executors.newVirtualThreadPerTaskExecutor();

  private DiskTier(Path chunksDir, long maxBytes, ReadStats stats) {
    this.chunksDir = chunksDir;
    this.maxBytes = maxBytes;
    this.stats = stats;
  }

  /** Opens (creating when needed) the chunk store under {@code cacheDir}, bounded by {@code maxBytes}. */
  public static DiskTier open(Path cacheDir, long maxBytes, ReadStats stats) throws IOException {
    if (maxBytes <= 0) {
      throw new IllegalArgumentException("disk cache size must be positive: " + maxBytes);
    }
    Path dir = cacheDir.resolve("chunks").resolve("sha256");
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new IOException("cannot create the chunk cache directory " + dir + ": " + e.getMessage(), e);
    }
    if (!Files.isWritable(dir)) {
      throw new IOException("the chunk cache directory " + dir + " is not writable");
    }
    DiskTier tier = new DiskTier(dir, maxBytes, stats);
    tier.evictNow();
    return tier;
  }

  /** Where the chunk with this digest lives (whether or not it is there). */
  public Path pathOf(Digest digest) {
    String hex = digest.hex();
    return chunksDir.resolve(hex.substring(0, 2)).resolve(hex);
  }

  /** The verified chunk, or null when it is absent, vanished, unreadable or corrupt. */
  public byte[] get(Digest digest) {
    Path path = pathOf(digest);
    byte[] data;
    try {
      data = Files.readAllBytes(path);
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException e) {
      LOG.log(System.Logger.Level.WARNING, "chunk cache: cannot read " + path + ": " + e.getMessage());
      return null;
    }
    if (!matches(digest, data)) {
      stats.verificationFailed();
      LOG.log(System.Logger.Level.WARNING, "chunk cache: " + path + " does not match its digest; removed");
      deleteQuietly(path);
      return null;
    }
    touch(path);
    return data;
  }

  static boolean matches(Digest digest, byte[] data) {
    return MessageDigest.isEqual(Digest.newSha256().digest(data), digest.raw());
  }

  /**
   * Stores a verified chunk. Returns false when it could not be written (the failure is logged
   * and counted); the store is never left with a partial chunk under a digest name.
   */
  public boolean put(Digest digest, byte[] data) {
    Path target = pathOf(digest);
    if (Files.exists(target)) {
      touch(target);
      return true;
    }
    Path temp = null;
    try {
      Files.createDirectories(target.getParent());
      temp = Files.createTempFile(target.getParent(), TEMP_PREFIX, null);
      try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE)) {
        ByteBuffer buf = ByteBuffer.wrap(data);
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
      }
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      if (temp != null) {
        deleteQuietly(temp);
      }
      writeFailed(target, e);
      return false;
    }
    long used = usedBytes.addAndGet(data.length);
    long written = writtenSinceScan.addAndGet(data.length);
    if (used > maxBytes || written > maxBytes / 8) {
      evictInBackground();
    }
    return true;
  }

  private void writeFailed(Path target, IOException e) {
    stats.diskWriteFailed();
    long now = System.nanoTime();
    long last = lastWriteFailureLog.get();
    if (now - last >= WRITE_FAILURE_LOG_INTERVAL_NANOS && lastWriteFailureLog.compareAndSet(last, now)) {
      LOG.log(
          System.Logger.Level.WARNING,
          "chunk cache: cannot write " + target + " (" + e.getMessage() + "); serving from memory only until writes succeed again");
    }
    // Our own chunks may be what fills the disk: make room for the next write.
    evictInBackground();
  }

  /** Bytes held, as of the last scan plus this process's writes since. */
  public long usedBytes() {
    return usedBytes.get();
  }

  public long maxBytes() {
    return maxBytes;
  }

  private void evictInBackground() {
    if (evicting.compareAndSet(false, true)) {
      try {
        background.execute(
            () -> {
              try {
                evictNow();
              } finally {
                evicting.set(false);
              }
            });
      } catch (java.util.concurrent.RejectedExecutionException closed) {
        evicting.set(false);
      }
    }
  }

  /**
   * Scans the store, removes stale temporary files and, when over the limit, the least recently
   * used chunks down to 90% of it. Safe against concurrent writers, readers and evictors.
   */
  public synchronized void evictNow() {
    writtenSinceScan.set(0);
    DiskScan scan = DiskScan.of(chunksDir, TEMP_PREFIX, System.currentTimeMillis() - STALE_TEMP_MILLIS);
    long total = scan.totalBytes();
    if (total > maxBytes) {
      total = scan.deleteOldestUntil(maxBytes - maxBytes / 10);
    }
    usedBytes.set(total);
  }

  private static void touch(Path path) {
    try {
      Files.setLastModifiedTime(path, FileTime.from(Instant.now()));
    } catch (IOException e) {
      // Vanished (evicted by another process) or read-only: the chunk was read all the same.
    }
  }

  static void deleteQuietly(Path path) {
    try {
      Files.deleteIfExists(path);
    } catch (IOException e) {
      LOG.log(System.Logger.Level.DEBUG, "chunk cache: cannot delete " + path + ": " + e.getMessage());
    }
  }

  @Override
  public void close() {
    background.close();
  }
}
