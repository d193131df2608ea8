package dev.lazypull.lazyfs.mount;

import dev.lazypull.format.IndexBudget;
import dev.lazypull.fuse.FuseMount;
import dev.lazypull.fuse.FuseSession;
import dev.lazypull.fuse.MountOptions;
import dev.lazypull.fuse.keep.DescriptorStore;
import dev.lazypull.fuse.keep.KeptSessions;
import dev.lazypull.oci.Digest;
import dev.lazypull.registry.ImageStore;
import dev.lazypull.lazyfs.cache.ChunkCache;
import dev.lazypull.lazyfs.fetch.ChunkFetcher;
import dev.lazypull.lazyfs.fetch.LayerFrames;
import dev.lazypull.lazyfs.fs.ImageFileSystem;
import dev.lazypull.lazyfs.fs.ReadObserver;
import dev.lazypull.lazyfs.prefetch.PrefetchSettings;
import dev.lazypull.lazyfs.prefetch.Prefetcher;
import dev.lazypull.lazyfs.image.LazyImage;
import dev.lazypull.lazyfs.stats.ReadStats;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One lazy image mounted at a directory: the image's index, the fetcher over the chunk cache, the
 * file system and its FUSE mount, opened in that order and closed in reverse. When opening fails
 * at any step, whatever was opened is closed again, so no mount is left behind. The chunk cache
 * is either the node's, shared with other mounts and closed by its owner, or one of the mount's
 * own (the one-process {@code lazypull mount}), closed with it.
 */
public final class ImageMount implements AutoCloseable {
  private final LazyImage image;
  private final IndexBudget indexBudget;
  private final ChunkCache ownCache;
  private final ChunkFetcher fetcher;
  private final ImageFileSystem fileSystem;
  private final FuseMount fuse;
  private final ReadStats stats;
  private final Prefetcher prefetcher;
  private final CompletableFuture<Void> unmounted = new CompletableFuture<>();

  private ImageMount(LazyImage image, IndexBudget indexBudget, ChunkCache ownCache, ChunkFetcher fetcher, ImageFileSystem fs, FuseMount fuse,
      ReadStats stats, Prefetcher prefetcher) {
    this.prefetcher = prefetcher;
    this.image = image;
    this.indexBudget = indexBudget;
    this.ownCache = ownCache;
    this.fetcher = fetcher;
    this.fileSystem = fs;
    this.fuse = fuse;
    this.stats = stats;
    // The server sees every way the connection ends, umount(8) from outside included.
    fuse.ended().thenRun(() -> unmounted.complete(null));
    // The mount gone, nothing more is fetched for it.
    unmounted.thenRun(prefetcher::close);
  }

  /**
   * Mounts {@code reference} of {@code store} at {@code mountPoint} (an empty directory) with a
   * chunk cache of its own ({@code settings}' directory and sizes), and returns once the kernel
   * serves it. {@code store} stays the caller's to close, after this.
   */
  public static ImageMount open(ImageStore store, String reference, Path mountPoint, MountSettings settings) throws IOException {
    return open(store, reference, mountPoint, settings, (java.util.function.Function<LazyImage, ReadObserver>) null);
  }

  /**
   * {@link #open(ImageStore, String, Path, MountSettings)} with the observer {@code observer}
   * makes for the image (null for none) hearing of every read: how a start-up is recorded.
   */
  public static ImageMount open(ImageStore store, String reference, Path mountPoint, MountSettings settings,
      java.util.function.Function<LazyImage, ReadObserver> observer) throws IOException {
    IndexBudget budget = settings.newIndexBudget();
    LazyImage image = image(store, reference, mountPoint, budget);
    ReadStats stats = new ReadStats();
    ChunkCache cache;
    try {
      cache = ChunkCache.open(settings.memoryBytes(), settings.cacheDir(), settings.cacheBytes(), stats);
    } catch (IOException | RuntimeException e) {
      budget.release();
      throw e;
    }
    try {
      return mount(store, image, budget, mountPoint, settings, cache, cache, stats,
          observer == null ? null : observer.apply(image));
    } catch (IOException | RuntimeException e) {
      cache.close();
      throw e;
    }
  }

  /**
   * Mounts {@code reference} of {@code store} at {@code mountPoint} over the node's shared {@code
   * cache} (its directory and sizes; those of {@code settings} are not used), counting this
   * mount's reads into {@code stats}. The cache stays open when the mount closes.
   */
  public static ImageMount open(ImageStore store, String reference, Path mountPoint, MountSettings settings, ChunkCache cache,
      ReadStats stats) throws IOException {
    IndexBudget budget = settings.newIndexBudget();
    return mount(store, image(store, reference, mountPoint, budget), budget, mountPoint, settings, cache, null, stats, null);
  }

  /**
   * Mounts the merged tree of just the lowest {@code layers} of {@code reference} (what a
   * containerd snapshot of an intermediate chain ID shows) over the shared {@code cache}, as the
   * overload above; throws unless the image's lowest layers are {@code layers}.
   */
  public static ImageMount openLayers(ImageStore store, String reference, List<Digest> layers, Path mountPoint,
      MountSettings settings, ChunkCache cache, ReadStats stats) throws IOException {
    requireMountable(mountPoint);
    IndexBudget budget = settings.newIndexBudget();
    LazyImage image = LazyImage.openLayers(store, reference, layers, budget);
    return mount(store, image, budget, mountPoint, settings, cache, null, stats, null);
  }

  /**
   * Mounts an {@code image} already opened with {@code budget} (by {@link LazyImage#open(ImageStore,
   * String, IndexBudget, Path)}, say, to keep a copy of its metadata) over the node's shared {@code
   * cache}, as {@link #open(ImageStore, String, Path, MountSettings, ChunkCache, ReadStats)}.
   */
  public static ImageMount open(ImageStore store, LazyImage image, IndexBudget budget, Path mountPoint,
      MountSettings settings, ChunkCache cache, ReadStats stats) throws IOException {
    try {
      requireMountable(mountPoint);
    } catch (IOException | RuntimeException e) {
      budget.release();
      throw e;
    }
    return mount(store, image, budget, mountPoint, settings, cache, null, stats, null);
  }

  /**
   * Takes over the live FUSE connection at {@code mountPoint} that an earlier process kept in
   * {@code descriptors} ({@code kept}), serving {@code image} (opened with {@code budget} from the
   * registry, or restored from its {@link dev.lazypull.lazyfs.image.ImageCopy}) over the
   * node's {@code cache}. The kernel's inode numbers are the index's, which is rebuilt identically
   * from the same TOCs, and files are opened without per-open state (handle 0), so everything the
   * kernel holds stays valid. Requests queued while no process served are answered now. {@code
   * store} is only asked for chunks the cache lacks, so a registry that is gone fails those reads
   * (EIO after the fetch deadline) and nothing else.
   *
   * @throws dev.lazypull.fuse.StaleSessionException when the connection has ended meanwhile
   */
  public static ImageMount resume(ImageStore store, LazyImage image, IndexBudget budget, Path mountPoint,
      MountSettings settings, ChunkCache cache, ReadStats stats, KeptSessions.Kept kept, DescriptorStore descriptors)
      throws IOException {
    return serve(store, image, budget, settings, cache, null, stats, null,
        (fs, opts) -> FuseMount.resume(mountPoint, fs, opts, kept.session(), kept.fd(), descriptors));
  }

  /**
   * Keeps this mount's FUSE connection in {@code descriptors} under {@code key}, so that it
   * outlives this process: a later one {@link #resume}s it. {@link #close} still unmounts.
   */
  public FuseSession keepIn(DescriptorStore descriptors, String key) throws IOException {
    return fuse.keepIn(descriptors, key);
  }

  /** The image's index, after the checks that need no network. */
  private static LazyImage image(ImageStore store, String reference, Path mountPoint, IndexBudget budget) throws IOException {
    requireMountable(mountPoint);
    return LazyImage.open(store, reference, budget);
  }

  private static void requireMountable(Path mountPoint) throws IOException {
    MountPoints.requireEmptyDirectory(mountPoint);
    MountPoints.requireFuse();
  }

  /** Mounts {@code image}, whose index {@code budget} holds until the mount closes (or this fails). */
  private static ImageMount mount(ImageStore store, LazyImage image, IndexBudget budget, Path mountPoint,
      MountSettings settings, ChunkCache cache, ChunkCache ownCache, ReadStats stats, ReadObserver observer) throws IOException {
    return serve(store, image, budget, settings, cache, ownCache, stats, observer,
        (fs, opts) -> FuseMount.mount(mountPoint, fs, opts));
  }

  /** How the file system reaches the kernel: a new mount, or a kept connection taken over. */
  @FunctionalInterface
  private interface FuseStart {
    FuseMount start(ImageFileSystem fs, MountOptions opts) throws IOException;
  }

  private static ImageMount serve(ImageStore store, LazyImage image, IndexBudget budget, MountSettings settings,
      ChunkCache cache, ChunkCache ownCache, ReadStats stats, ReadObserver observer, FuseStart start) throws IOException {
    ChunkFetcher fetcher = new ChunkFetcher(store, cache, settings.fetch(), stats, LayerFrames.of(image.index()));
    // The background fetch needs somewhere to keep what it brings: without a disk tier it is off.
    PrefetchSettings ahead = settings.prefetch().withBackground(settings.prefetch().background() && cache.disk() != null);
    Prefetcher prefetcher = new Prefetcher(image.index(), fetcher, cache, ahead, stats);
    try {
      ReadObserver hits = ahead.list() && !image.index().prefetchList().isEmpty() ? prefetcher.hits() : null;
      ImageFileSystem fs = new ImageFileSystem(image.index(), fetcher, stats, ReadObserver.both(observer, hits));
      String fsName = "lazypull:" + image.manifestBytes().digest().hex().substring(0, 12);
      // Started before the mount is served, so the first ranges are on their way with the first reads.
      prefetcher.start();
      FuseMount fuse = start.start(fs, settings.fuse().withFsName(fsName));
      return new ImageMount(image, budget, ownCache, fetcher, fs, fuse, stats, prefetcher);
    } catch (IOException | RuntimeException e) {
      prefetcher.close();
      fetcher.close();
      budget.release();
      throw e;
    }
  }

  /** Whether the connection is kept in a descriptor store (it would outlive this process). */
  public boolean isKept() {
    return fuse.session().isPresent();
  }

  /**
   * Leaves this kept mount to a successor process ({@link dev.lazypull.fuse.FuseMount#leaveToSuccessor}):
   * nothing more is fetched or answered here, and the mount stays. For a process about to exit.
   */
  public void leaveToSuccessor() {
    fuse.leaveToSuccessor();
    prefetcher.close();
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

  /** What the mount fetches ahead of reads: the recorded list, then the background fetch. */
  public Prefetcher prefetcher() {
    return prefetcher;
  }

  /** Completes when the mount has gone, whether by {@link #close} or by umount(8). */
  public CompletableFuture<Void> unmounted() {
    return unmounted;
  }

  /** Unmounts, then stops fetching and, when the cache is the mount's own, waits for its pending disk writes. */
  @Override
  public void close() {
    try {
      prefetcher.close();
      fuse.close();
    } finally {
      unmounted.complete(null);
      fetcher.close();
      if (ownCache != null) {
        ownCache.close();
      }
      indexBudget.release(); // a node-wide bound gets this image's share back
    }
  }
}
