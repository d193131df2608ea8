package dev.lazypull.snapshotter.mount;

import dev.lazypull.format.IndexBudget;
import dev.lazypull.fuse.MountOptions;
import dev.lazypull.snapshotter.fetch.FetchOptions;
import dev.lazypull.snapshotter.prefetch.PrefetchSettings;
import java.nio.file.Path;

/**
 * How one image is mounted: the node chunk cache ({@code cacheDir}, null for memory only, bounded
 * by {@code cacheBytes}), the memory tier's size, how chunks are fetched, how FUSE is mounted, the
 * memory the image's index may take ({@code indexBytes}; an image needing more is refused), and
 * what is fetched ahead of reads (the recorded start-up list, the background fetch).
 */
public record MountSettings(Path cacheDir, long cacheBytes, long memoryBytes, FetchOptions fetch, MountOptions fuse,
    long indexBytes, PrefetchSettings prefetch) {

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
        IndexBudget.DEFAULT_MAX_BYTES, PrefetchSettings.defaults());
  }

  public MountSettings withCacheBytes(long bytes) {
    return new MountSettings(cacheDir, bytes, memoryBytes, fetch, fuse, indexBytes, prefetch);
  }

  public MountSettings withMemoryBytes(long bytes) {
    return new MountSettings(cacheDir, cacheBytes, bytes, fetch, fuse, indexBytes, prefetch);
  }

  public MountSettings withIndexBytes(long bytes) {
    return new MountSettings(cacheDir, cacheBytes, memoryBytes, fetch, fuse, bytes, prefetch);
  }

  public MountSettings withFetch(FetchOptions options) {
    return new MountSettings(cacheDir, cacheBytes, memoryBytes, options, fuse, indexBytes, prefetch);
  }

  public MountSettings withFuse(MountOptions options) {
    return new MountSettings(cacheDir, cacheBytes, memoryBytes, fetch, options, indexBytes, prefetch);
  }

  public MountSettings withPrefetch(PrefetchSettings settings) {
    return new MountSettings(cacheDir, cacheBytes, memoryBytes, fetch, fuse, indexBytes, settings);
  }
}
