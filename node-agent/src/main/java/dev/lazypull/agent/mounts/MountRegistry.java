package dev.lazypull.agent.mounts;

import dev.lazypull.oci.Digest;
import dev.lazypull.format.FormatException;
import dev.lazypull.format.IndexTooLargeException;
import dev.lazypull.registry.ImageRef;
import dev.lazypull.registry.ImageStore;
import dev.lazypull.lazyfs.cache.ChunkCache;
import dev.lazypull.lazyfs.image.NotLazyImageException;
import dev.lazypull.lazyfs.mount.ImageMount;
import dev.lazypull.lazyfs.mount.MountSettings;
import dev.lazypull.lazyfs.prefetch.PrefetchSettings;
import dev.lazypull.lazyfs.stats.ReadStats;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiFunction;

/**
 * Every lazy mount the agent serves, by mount point (its real path). This is the one place a
 * mount is made ({@link #mount}) and the one place it goes ({@link #remove}), however it goes:
 * by a umount request, by umount(8), or by the agent stopping. All mounts read through the one
 * node-wide chunk cache and the shared registry connections.
 */
public final class MountRegistry implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(MountRegistry.class.getName());
  /** How a refusal because the agent is stopping begins: a client may start another agent and retry. */
  public static final String STOPPING = "the agent is stopping";

  /** What a mount is, for listings and replies. */
  public record MountInfo(String image, Path mountPoint, String manifestDigest, Instant mountedAt) {}

  /** A mount being served: what it is, the mount itself, its store and its counters. Closing it unmounts. */
  public record Mounted(MountRegistry registry, MountInfo info, ImageMount mount, ImageStore store, ReadStats stats,
      AutoCloseable exported) implements AutoCloseable {
    @Override
    public void close() {
      registry.remove(this);
    }
  }

  private final ChunkCache cache;
  private final RegistryConnections registries;
  private final MountSettings settings;
  private final Runnable onChange;
  private final BiFunction<ReadStats, String, AutoCloseable> exportStats;
  private final Map<Path, Mounted> mounts = new ConcurrentHashMap<>();
  private final Set<Path> pending = ConcurrentHashMap.newKeySet();
  private final Map<Refusal, LongAdder> refused = new ConcurrentHashMap<>();
  private volatile boolean closed;

  /**
   * Mounts read through {@code cache} and open stores from {@code registries}; {@code settings}
   * gives the fetch and FUSE defaults. {@code onChange} runs after every mount, unmount and
   * failed mount (the agent decides there whether it is idle); {@code exportStats} publishes a
   * mount's counters under its mount point until the handle it returns is closed.
   */
  public MountRegistry(ChunkCache cache, RegistryConnections registries, MountSettings settings, Runnable onChange,
      BiFunction<ReadStats, String, AutoCloseable> exportStats) {
    this.exportStats = exportStats;
    this.cache = cache;
    this.registries = registries;
    this.settings = settings;
    this.onChange = onChange;
  }

  /**
   * Mounts {@code image} at {@code mountPoint} (an existing empty directory) and returns once the
   * kernel serves it, prefetching as {@code prefetch} says (background fetch only where the
   * agent's settings allow it too). Fails with a message saying what is wrong, leaving nothing
   * mounted.
   */
  public MountInfo mount(String image, Path mountPoint, List<String> insecureRegistries, Duration fetchTimeout,
      PrefetchSettings prefetch) throws IOException {
    ImageRef ref = ImageRef.parse(image);
    MountSettings s = (fetchTimeout == null ? settings : settings.withFetch(settings.fetch().withTimeout(fetchTimeout)))
        .withPrefetch(prefetch.withBackground(prefetch.background() && settings.prefetch().background()));
    return open(image, ref, mountPoint, insecureRegistries,
        (store, dir, stats) -> ImageMount.open(store, ref.reference(), dir, s, cache, stats)).info();
  }

  /**
   * Mounts the merged tree of the lowest {@code layers} of {@code image} at {@code dir}: what
   * containerd's snapshotter mounts for a lazy chain. Unmounted by {@link #umount} or by closing
   * the mount.
   */
  public Mounted mountLayers(String image, List<Digest> layers, Path dir) throws IOException {
    ImageRef ref = ImageRef.parse(image);
    return open(image, ref, dir, List.of(),
        (store, at, stats) -> ImageMount.openLayers(store, ref.reference(), layers, at, settings, cache, stats));
  }

  @FunctionalInterface
  private interface Opener {
    ImageMount open(ImageStore store, Path dir, ReadStats stats) throws IOException;
  }

  /** The one place a mount is made: reserve the mount point, open the store, mount, register. */
  private Mounted open(String image, ImageRef ref, Path mountPoint, List<String> insecureRegistries, Opener opener)
      throws IOException {
    Path key = realPath(mountPoint);
    synchronized (this) {
      if (closed) {
        throw new IOException(STOPPING + "; mount again once it has restarted");
      }
      if (mounts.containsKey(key) || !pending.add(key)) {
        throw new IOException("mount point " + key + " is already mounted (or being mounted) by this agent");
      }
    }
    try {
      return register(image, key, insecureRegistries, ref, opener);
    } catch (IOException | RuntimeException e) {
      refused.computeIfAbsent(Refusal.of(e), r -> new LongAdder()).increment();
      LOG.log(System.Logger.Level.WARNING, "refused to mount " + image + " at " + key + ": " + e.getMessage());
      throw e;
    } finally {
      pending.remove(key);
      onChange.run();
    }
  }

  /** Opens the store and the mount and registers it; nothing stays open when it throws. */
  private Mounted register(String image, Path key, List<String> insecureRegistries, ImageRef ref, Opener opener)
      throws IOException {
    ImageStore store = registries.open(ref, insecureRegistries);
    try {
      ReadStats stats = new ReadStats();
      ImageMount mount = opener.open(store, key, stats);
      MountInfo info = new MountInfo(image, key, mount.image().manifestBytes().digest().toString(), Instant.now());
      Mounted m = new Mounted(this, info, mount, store, stats, exportStats.apply(stats, key.toString()));
      mounts.put(key, m);
      // umount(8) ends the kernel connection without asking us: the mount tells us, and goes.
      mount.unmounted().thenRunAsync(() -> remove(m), r -> Thread.ofVirtual().start(r));
      LOG.log(System.Logger.Level.INFO, "mounted " + image + " at " + key);
      return m;
    } catch (IOException | RuntimeException e) {
      store.close();
      throw e;
    }
  }

  /**
   * Why mounts failed, counted: an image refused for what it is (a TOC that fails a check, an
   * index past its memory bound) stays that image's failure, and the count shows it happened.
   */
  public enum Refusal {
    /** A TOC or annotation failed a check (docs/FORMAT.md 3.2). */
    INVALID_IMAGE,
    /** The image's index would pass its own or the node's memory bound. */
    INDEX_MEMORY,
    /** Anything else: the registry, the mount point, FUSE. */
    OTHER;

    static Refusal of(Throwable e) {
      return switch (e) {
        case IndexTooLargeException t -> INDEX_MEMORY;
        case FormatException f -> INVALID_IMAGE;
        case NotLazyImageException n -> INVALID_IMAGE;
        default -> OTHER;
      };
    }
  }

  /** Failed mounts since the agent started, by why. */
  public Map<Refusal, Long> refusals() {
    Map<Refusal, Long> out = new java.util.EnumMap<>(Refusal.class);
    for (Refusal r : Refusal.values()) {
      LongAdder n = refused.get(r);
      out.put(r, n == null ? 0 : n.sum());
    }
    return out;
  }

  /** Unmounts the lazy image at {@code mountPoint}; false when this agent serves nothing there. */
  public boolean umount(Path mountPoint) {
    Optional<Mounted> m = find(mountPoint);
    m.ifPresent(this::remove);
    return m.isPresent();
  }

  public Optional<Mounted> find(Path mountPoint) {
    Mounted m = mounts.get(mountPoint.toAbsolutePath().normalize());
    if (m == null) {
      try {
        m = mounts.get(mountPoint.toRealPath());
      } catch (IOException e) {
        return Optional.empty();
      }
    }
    return Optional.ofNullable(m);
  }

  public List<Mounted> list() {
    return mounts.values().stream().sorted(Comparator.comparing(m -> m.info().mountPoint())).toList();
  }

  /** No mount served and none being made. */
  public boolean isIdle() {
    return mounts.isEmpty() && pending.isEmpty();
  }

  /**
   * When idle, refuses every later mount (with {@link #STOPPING}) and returns true: the agent may
   * then stop without unmounting what a request that came just now would have mounted.
   */
  public synchronized boolean closeIfIdle() {
    if (isIdle()) {
      closed = true;
    }
    return closed;
  }

  /** True once {@link #closeIfIdle} or {@link #close} has refused every later mount. */
  public boolean isStopping() {
    return closed;
  }

  private void remove(Mounted m) {
    if (!mounts.remove(m.info().mountPoint(), m)) {
      return; // already gone by another way
    }
    try {
      m.mount().close();
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "unmounting " + m.info().mountPoint() + ": " + e);
    }
    try {
      m.exported().close();
    } catch (Exception e) {
      LOG.log(System.Logger.Level.DEBUG, "unexporting the counters of " + m.info().mountPoint() + ": " + e);
    }
    try {
      m.store().close();
    } catch (IOException e) {
      LOG.log(System.Logger.Level.DEBUG, "closing the store of " + m.info().mountPoint() + ": " + e);
    }
    LOG.log(System.Logger.Level.INFO, "unmounted " + m.info().image() + " from " + m.info().mountPoint());
    onChange.run();
  }

  private static Path realPath(Path dir) throws IOException {
    try {
      return dir.toRealPath();
    } catch (java.nio.file.NoSuchFileException e) {
      throw new IOException("mount point " + dir + " does not exist: create an empty directory there first");
    }
  }

  /** Refuses new mounts and unmounts every mount (the agent is stopping). */
  @Override
  public void close() {
    synchronized (this) {
      closed = true;
    }
    for (Mounted m : List.copyOf(mounts.values())) {
      remove(m);
    }
  }
}
