package dev.lazypull.lazyfs.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import dev.lazypull.oci.Digest;
import dev.lazypull.lazyfs.stats.ReadStats;
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
import java.util.Comparator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The disk tier: uncompressed chunks stored by content under {@code CACHE/chunks/sha256/ab/<hex>}.
 * One instance per cache directory and process; the node agent holds the node's one instance and
 * shares it between all mounts.
 *
 * <p>Crash safety: a chunk is written to a temporary file in its final directory and renamed into
 * place, so no reader ever sees a half-written chunk under a digest name. Files are not fsynced:
 * instead every chunk is verified against its digest when it is read back (SHA-256 runs at
 * about 2 GB/s with the CPU's SHA extensions, and a disk hit is then held in the memory tier, so
 * each chunk is hashed at most once per process). That also covers what rename alone cannot: a
 * power loss that leaves a renamed but empty file, a disk error, or a file changed by hand. A
 * chunk that fails verification is deleted and counts as a miss, so it is fetched again.
 *
 * <p>Size bound: the accounting lives in memory, in a Caffeine cache of digest to file size
 * weighed by bytes, so eviction (W-TinyLFU) picks its victims without listing the directory and
 * deletes their files. At open the accounting is rebuilt by one scan of the directory on a
 * background thread, oldest modification time first (a hit refreshes it, so the order after a
 * restart is the order of last use); reads and writes work meanwhile, and nothing waits for it
 * ({@link #rebuilt()} says when it is done). Temporary files left by a crashed writer are
 * removed by that scan.
 *
 * <p>Several processes may still share a directory (one mount daemon per mount, before the agent
 * owns them all). That stays safe: each process bounds the chunks it knows (those it found at open
 * and those it wrote since), files that vanish (another process evicted them) are misses and leave
 * its accounting, and a file another process wrote is adopted when it is read. What is not exact
 * with several writers is the bound: the directory can hold up to the sum of their limits.
 *
 * <p>A failed write (disk full, read-only, I/O error) is logged at most once a minute, counted and
 * dropped: the chunk is still served from memory, and the temporary file is removed.
 */
public final class DiskTier implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(DiskTier.class.getName());
  static final String TEMP_PREFIX = ".tmp-";
  // A temporary file older than this was left by a crashed process: no live write takes so long.
  private static final long STALE_TEMP_MILLIS = TimeUnit.HOURS.toMillis(1);
  private static final long WRITE_FAILURE_LOG_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);

  private final Path chunksDir;
  private final long maxBytes;
  private final ReadStats stats;
  private final Cache<Digest, Integer> files;
  private final AtomicLong lastWriteFailureLog = new AtomicLong(System.nanoTime() - WRITE_FAILURE_LOG_INTERVAL_NANOS);
  private final CompletableFuture<Void> rebuilt = new CompletableFuture<>();
  private final Thread rebuild;

  private DiskTier(Path chunksDir, long maxBytes, ReadStats stats) {
    this.chunksDir = chunksDir;
    this.maxBytes = maxBytes;
    this.stats = stats;
    this.files =
        Caffeine.newBuilder()
            .maximumWeight(maxBytes)
            .weigher((Digest d, Integer size) -> size)
            // Deletes run on the thread that caused the eviction: a disk writer or reader, never a
            // FUSE reader (those only look at the memory tier).
            .executor(Runnable::run)
            .removalListener(this::removed)
            .build();
    this.rebuild = Thread.ofVirtual().name("lazypull-cache-rebuild").unstarted(this::rebuildAccounting);
  }

  /**
   * Opens (creating when needed) the chunk store under {@code cacheDir}, bounded by {@code
   * maxBytes}. Returns at once: the accounting of what is already there is rebuilt in the background.
   */
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
    tier.rebuild.start();
    return tier;
  }

  private void rebuildAccounting() {
    try {
      DiskScan scan = DiskScan.of(chunksDir, TEMP_PREFIX, System.currentTimeMillis() - STALE_TEMP_MILLIS);
      scan.entries().stream()
          .sorted(Comparator.comparingLong(DiskScan.Entry::lastUsedMillis))
          .forEach(e -> files.asMap().putIfAbsent(e.digest(), e.size()));
      files.cleanUp();
      rebuilt.complete(null);
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "chunk cache: rebuilding the accounting of " + chunksDir + " failed: " + e);
      rebuilt.completeExceptionally(e);
    }
  }

  /** Completes when the chunks found at open are accounted for (and the bound applied to them). */
  public CompletableFuture<Void> rebuilt() {
    return rebuilt;
  }

  private void removed(Digest digest, Integer size, RemovalCause cause) {
    if (!cause.wasEvicted() || digest == null) {
      return;
    }
    stats.diskEvicted();
    // The chunk may have been written again since it was chosen: then its new file stays.
    if (!files.asMap().containsKey(digest)) {
      deleteQuietly(pathOf(digest));
    }
  }

  /** Where the chunk with this digest lives (whether or not it is there). */
  public Path pathOf(Digest digest) {
    String hex = digest.hex();
    return chunksDir.resolve(hex.substring(0, 2)).resolve(hex);
  }

  /**
   * Whether the tier knows the chunk, or has a file for it (one stat), without reading or
   * verifying it: enough to decide not to fetch it ahead, not to serve it.
   */
  public boolean contains(Digest digest) {
    return files.asMap().containsKey(digest) || Files.exists(pathOf(digest));
  }

  /** The verified chunk, or null when it is absent, vanished, unreadable or corrupt. */
  public byte[] get(Digest digest) {
    Path path = pathOf(digest);
    byte[] data;
    try {
      data = Files.readAllBytes(path);
    } catch (NoSuchFileException e) {
      files.invalidate(digest);
      return null;
    } catch (IOException e) {
      LOG.log(System.Logger.Level.WARNING, "chunk cache: cannot read " + path + ": " + e.getMessage());
      return null;
    }
    if (!matches(digest, data)) {
      stats.verificationFailed();
      LOG.log(System.Logger.Level.WARNING, "chunk cache: " + path + " does not match its digest; removed");
      files.invalidate(digest);
      deleteQuietly(path);
      return null;
    }
    touch(path);
    // Counts the use for eviction; adopts a chunk another process wrote.
    if (files.getIfPresent(digest) == null) {
      files.put(digest, data.length);
    }
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
      files.put(digest, data.length);
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
    files.put(digest, data.length);
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
  }

  /** Bytes of the chunks accounted for (pending evictions applied). */
  public long usedBytes() {
    files.cleanUp();
    return files.policy().eviction().orElseThrow().weightedSize().orElse(0);
  }

  /** Chunks accounted for. */
  public long chunkCount() {
    return files.estimatedSize();
  }

  public long maxBytes() {
    return maxBytes;
  }

  /** Applies pending evictions now (they otherwise run as writes and reads go). */
  public void evictNow() {
    files.cleanUp();
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

  /** Stops the rebuild if it still runs (what it has not counted stays on disk for the next start). */
  @Override
  public void close() {
    rebuild.interrupt();
    try {
      rebuild.join(TimeUnit.SECONDS.toMillis(10));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
