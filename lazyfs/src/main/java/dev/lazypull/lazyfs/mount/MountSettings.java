package dev.lazypull.lazyfs.mount;

import dev.lazypull.format.IndexBudget;
import dev.lazypull.fuse.MountOptions;
import dev.lazypull.lazyfs.fetch.FetchOptions;
import dev.lazypull.lazyfs.prefetch.PrefetchSettings;
import java.nio.file.Path;

/**
 * How one image is mounted: the node chunk cache ({@code cacheDir}, null for memory only, bounded
 * by {@code cacheBytes}), the memory tier's size, how chunks are fetched, how FUSE is mounted, the
 * memory the image's index may take ({@code indexBytes}; an image needing more is refused), drawn
 * also from {@code nodeIndex} when not null (the bound a process serving many images, the node
 * agent, puts on all their indexes together, so that no image can take the others' memory), and
 * what is fetched ahead of reads (the recorded start-up list, the background fetch).
 */
public record MountSettings(Path cacheDir, long cacheBytes, long memoryBytes, FetchOptions fetch, MountOptions fuse,
    long indexBytes, PrefetchSettings prefetch, IndexBudget nodeIndex) {

  public static final long DEFAULT_CACHE_BYTES = 10L << 30;
  public static final long DEFAULT_MEMORY_BYTES = 256L << 20;

  public MountSettings {
    if (cacheDir != null && cacheBytes <= 0) {
      throw new IllegalArgumentException("cache size must be positive: " + cacheBytes);
    }
    if (memoryBytes < 0) {
      throw new IllegalArgumentException("memory cache size must not be negative: " + memoryBytes);
    }
    if (indexBytes <= 0) {
      throw new IllegalArgumentException("index memory limit must be positive: " + indexBytes);
    }
  }

  public static MountSettings defaults(Path cacheDir) {
    return new MountSettings(cacheDir, DEFAULT_CACHE_BYTES, DEFAULT_MEMORY_BYTES, FetchOptions.defaults(), MountOptions.defaults(),
        IndexBudget.DEFAULT_MAX_BYTES, PrefetchSettings.defaults(), null);
  }

  public MountSettings withCacheBytes(long bytes) {
    return new MountSettings(cacheDir, bytes, memoryBytes, fetch, fuse, indexBytes, prefetch, nodeIndex);
  }

  public MountSettings withMemoryBytes(long bytes) {
    return new MountSettings(cacheDir, cacheBytes, bytes, fetch, fuse, indexBytes, prefetch, nodeIndex);
  }

  public MountSettings withIndexBytes(long bytes) {
    return new MountSettings(cacheDir, cacheBytes, memoryBytes, fetch, fuse, bytes, prefetch, nodeIndex);
  }

  public MountSettings withFetch(FetchOptions options) {
    return new MountSettings(cacheDir, cacheBytes, memoryBytes, options, fuse, indexBytes, prefetch, nodeIndex);
  }

  public MountSettings withFuse(MountOptions options) {
    return new MountSettings(cacheDir, cacheBytes, memoryBytes, fetch, options, indexBytes, prefetch, nodeIndex);
  }

  /** These settings with every image's index also charged to {@code budget} (shared by the caller's images). */
  public MountSettings withNodeIndexBudget(IndexBudget budget) {
    return new MountSettings(cacheDir, cacheBytes, memoryBytes, fetch, fuse, indexBytes, prefetch, budget);
  }

  /** A fresh budget for one image's index: {@code indexBytes}, drawn also from {@code nodeIndex}. */
  public IndexBudget newIndexBudget() {
    return nodeIndex == null ? IndexBudget.of(indexBytes) : IndexBudget.of(indexBytes, nodeIndex);
  }

  public MountSettings withPrefetch(PrefetchSettings settings) {
    return new MountSettings(cacheDir, cacheBytes, memoryBytes, fetch, fuse, indexBytes, settings, nodeIndex);
  }
}
