package dev.lazypull.lazyfs.cache;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import dev.lazypull.oci.Digest;
import dev.lazypull.lazyfs.stats.ReadStats;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The in-memory tier and the chunks in flight, in one Caffeine {@link AsyncCache}: an entry is
 * the future of a verified, uncompressed chunk, so a lookup either finds the chunk, joins the
 * fetch already under way (single-flight), or installs a new future atomically and owns its
 * loading. A future that fails (or completes with null) is removed by Caffeine, so the next
 * lookup loads afresh. Bounded by the chunks' total size (a pending future weighs nothing);
 * W-TinyLFU keeps the chunks that are read again (shared libraries, Python modules) against
 * one-off scans. The arrays are shared with readers and must never be written to.
 */
final class MemoryTier {
  // Array header and map entry: small against chunks, but keeps tiny chunks from being free.
  private static final int ENTRY_OVERHEAD = 96;

  private final AsyncCache<Digest, byte[]> chunks;

  MemoryTier(long maxBytes, ReadStats stats) {
    if (maxBytes < 0) {
      throw new IllegalArgumentException("memory tier size must not be negative: " + maxBytes);
    }
    this.chunks =
        Caffeine.newBuilder()
            .maximumWeight(maxBytes)
            .weigher((Digest d, byte[] b) -> (int) Math.min(Integer.MAX_VALUE, (long) b.length + ENTRY_OVERHEAD))
            // Counted as it happens (an eviction listener runs inside the eviction), not later on
            // Caffeine's executor as a removal listener would: stats agree with the size bound.
            .evictionListener((Digest d, byte[] b, RemovalCause cause) -> {
              if (cause.wasEvicted()) {
                stats.memoryEvicted();
              }
            })
            .buildAsync();
  }

  /** The chunk if it is held (not merely in flight), or null. Never blocks. */
  byte[] getNow(Digest digest) {
    CompletableFuture<byte[]> f = chunks.getIfPresent(digest);
    return f != null && f.isDone() && !f.isCompletedExceptionally() ? f.getNow(null) : null;
  }

  /**
   * The chunk's future: the held chunk, the fetch in flight, or, when there is neither, a new
   * incomplete future that {@code claimed} receives (atomically, exactly one caller per miss)
   * and that its owner must complete.
   */
  CompletableFuture<byte[]> getOrClaim(Digest digest, Consumer<CompletableFuture<byte[]>> claimed) {
    while (true) {
      CompletableFuture<byte[]> existing = chunks.getIfPresent(digest);
      if (existing == null) {
        CompletableFuture<byte[]> mine = new CompletableFuture<>();
        existing = chunks.asMap().putIfAbsent(digest, mine);
        if (existing == null) {
          claimed.accept(mine);
          return mine;
        }
      }
      if (!existing.isCompletedExceptionally()) {
        return existing;
      }
      // A failed fetch that Caffeine has not removed yet: the next reader tries afresh.
      chunks.asMap().remove(digest, existing);
    }
  }

  /** A new future for the chunk, owned by the caller, or null when it is held or in flight already. */
  CompletableFuture<byte[]> claim(Digest digest) {
    CompletableFuture<byte[]> mine = new CompletableFuture<>();
    return chunks.asMap().putIfAbsent(digest, mine) == null ? mine : null;
  }

  /** True when the chunk is held or in flight. */
  boolean contains(Digest digest) {
    return chunks.asMap().containsKey(digest);
  }

  void put(Digest digest, byte[] data) {
    chunks.put(digest, CompletableFuture.completedFuture(data));
  }

  /** Runs pending evictions now, so that tests and benchmarks see the bound applied. */
  void cleanUp() {
    chunks.synchronous().cleanUp();
  }

  long weightedSize() {
    return chunks.synchronous().policy().eviction().orElseThrow().weightedSize().orElse(0);
  }
}
