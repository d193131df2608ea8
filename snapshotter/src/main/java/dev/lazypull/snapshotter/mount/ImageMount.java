package dev.lazypull.snapshotter.mount;

import dev.lazypull.format.IndexBudget;
import dev.lazypull.fuse.FuseMount;
import dev.lazypull.registry.ImageStore;
import dev.lazypull.snapshotter.cache.ChunkCache;
import dev.lazypull.snapshotter.fetch.ChunkFetcher;
import dev.lazypull.snapshotter.fetch.LayerFrames;
import dev.lazypull.snapshotter.fs.ImageFileSystem;
import dev.lazypull.snapshotter.image.LazyImage;
import dev.lazypull.snapshotter.stats.ReadStats;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;

/**
 * One lazy image mounted at a directory: the image's index, the chunk cache and fetcher, the file
 * system and its FUSE mount, opened in that order and closed in reverse. When opening fails at
 * any step, whatever was opened is closed again, so no mount is left behind.
 */
public final class ImageMount implements AutoCloseable {
  private final LazyImage image;
  private final ChunkCache cache;
  private final ChunkFetcher fetcher;
  private final ImageFileSystem fileSystem;
  private final FuseMount fuse;
  private final ReadStats stats;
  private final CompletableFuture<Void> unmounted = new CompletableFuture<>();

  private ImageMount(LazyImage image, ChunkCache cache, ChunkFetcher fetcher, ImageFileSystem fs, FuseMount fuse, ReadStats stats) {
    this.image = image;
    this.cache = cache;
    this.fetcher = fetcher;
    this.fileSystem = fs;
    this.fuse = fuse;
    this.stats = stats;
    fs.destroyed().thenRun(() -> unmounted.complete(null));
    Thread.ofVirtual().name("lazypull-mount-watch").start(this::watchMountTable);
  }

  /**
   * Notices an unmount by umount(8), which ends the kernel connection without telling the file
   * system: the kernel's mount table is the one witness every way of unmounting leaves.
   */
  private void watchMountTable() {
    Path dir = fuse.mountPoint();
    while (!unmounted.isDone()) {
      try {
        if (!MountPoints.isMounted(dir)) {
          unmounted.complete(null);
          return;
        }
        unmounted.get(1, java.util.concurrent.TimeUnit.SECONDS);
      } catch (java.util.concurrent.TimeoutException stillMounted) {
        // look again
      } catch (IOException | java.util.concurrent.ExecutionException e) {
        return;
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /**
   * Mounts {@code reference} of {@code store} at {@code mountPoint} (an empty directory) and
   * returns once the kernel serves it. {@code store} stays the caller's to close, after this.
   */
  public static ImageMount open(ImageStore store, String reference, Path mountPoint, MountSettings settings) throws IOException {
    MountPoints.requireEmptyDirectory(mountPoint);
    MountPoints.requireFuse();
    LazyImage image = LazyImage.open(store, reference, IndexBudget.of(settings.indexBytes()));
    ReadStats stats = new ReadStats();
    ChunkCache cache = ChunkCache.open(settings.memoryBytes(), settings.cacheDir(), settings.cacheBytes(), stats);
    ChunkFetcher fetcher = new ChunkFetcher(store, cache, settings.fetch(), stats, LayerFrames.of(image.index()));
    try {
      ImageFileSystem fs = new ImageFileSystem(image.index(), fetcher, cache, stats);
      String fsName = "lazypull:" + image.manifestBytes().digest().hex().substring(0, 12);
      FuseMount fuse = FuseMount.mount(mountPoint, fs, settings.fuse().withFsName(fsName));
      return new ImageMount(image, cache, fetcher, fs, fuse, stats);
    } catch (IOException | RuntimeException e) {
      fetcher.close();
      cache.close();
      throw e;
    }
  }

  public LazyImage image() {
    return image;
  }

  public Path mountPoint() {
    return fuse.mountPoint();
  }

  public ReadStats stats() {
    return stats;
  }

  public ImageFileSystem fileSystem() {
    return fileSystem;
  }

  /** Completes when the mount has gone, whether by {@link #close} or by umount(8). */
  public CompletableFuture<Void> unmounted() {
    return unmounted;
  }

  /** Unmounts, then stops fetching and waits for the cache's pending disk writes. */
  @Override
  public void close() {
    try {
      fuse.close();
    } finally {
      unmounted.complete(null);
      fetcher.close();
      cache.close();
    }
  }
}
