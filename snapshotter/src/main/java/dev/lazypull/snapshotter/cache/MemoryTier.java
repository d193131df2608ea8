package dev.lazypull.snapshotter.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.lazypull.oci.Digest;

/**
 * The in-memory tier: verified, uncompressed chunks keyed by digest, bounded by their total size.
 * Caffeine's W-TinyLFU keeps the chunks that are read again (shared libraries, Python modules)
 * against one-off scans. The arrays are shared with readers and must never be written to.
 */
final class MemoryTier {
  // Array header and map entry: small against chunks, but keeps tiny chunks from being free.
  private static final int ENTRY_OVERHEAD = 96;

  private final Cache<Digest, byte[]> chunks;

  MemoryTier(long maxBytes) {
    if (maxBytes < 0) {
      throw new IllegalArgumentException("memory tier size must not be negative: " + maxBytes);
    }
    this.chunks =
        Caffeine.newBuilder()
            .maximumWeight(maxBytes)
            .weigher((Digest d, byte[] b) -> (int) Math.min(Integer.MAX_VALUE, (long) b.length + ENTRY_OVERHEAD))
            .build();
  }

  /** The chunk, or null when it is not held. */
  byte[] get(Digest digest) {
    return chunks.getIfPresent(digest);
  }

  void put(Digest digest, byte[] data) {
    chunks.put(digest, data);
  }

  /** Runs pending evictions now, so that tests and benchmarks see the bound applied. */
  void cleanUp() {
    chunks.cleanUp();
  }

  long weightedSize() {
    return chunks.policy().eviction().orElseThrow().weightedSize().orElse(0);
  }
}
