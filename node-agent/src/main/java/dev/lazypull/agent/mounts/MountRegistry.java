package dev.lazypull.agent.mounts;

import dev.lazypull.format.FormatException;
import dev.lazypull.format.IndexBudget;
import dev.lazypull.fuse.FuseMount;
import dev.lazypull.fuse.StaleSessionException;
import dev.lazypull.fuse.keep.DescriptorStore;
import dev.lazypull.fuse.keep.KeptSessions;
import dev.lazypull.lazyfs.image.ImageCopy;
import dev.lazypull.lazyfs.image.LazyImage;
import dev.lazypull.lazyfs.mount.MountPoints;
import dev.lazypull.oci.Digest;
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
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiFunction;

/**
 * Every lazy mount the agent serves, by mount point (its real path). This is the one place a
 * mount is made ({@link #mount}) and the one place it goes ({@link #remove}), however it goes:
 * by a umount request, by umount(8), or by the agent stopping. All mounts read through the one
 * node-wide chunk cache and the shared registry connections.
 *
 * <p>Every mount outlives the agent's process (docs/decisions/0012): its FUSE connection is kept
 * in a {@link DescriptorStore}, its record in {@link MountRecords}, its metadata in an {@link
 * ImageCopy}. {@link #restore} takes them back at start, each on its own virtual thread;
 * {@link #leaveToSuccessor} stops serving without unmounting; only {@link #umount}, umount(8) and
 * {@link #close} end a mount.
 */
public final class MountRegistry implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(MountRegistry.class.getName());
  /** How a refusal because the agent is stopping begins: a client may start another agent and retry. */
  public static final String STOPPING = "the agent is stopping";
  /** How long a recorded mount point may take to answer a stat before it counts as served by nobody. */
  private static final Duration UNSERVED_LIMIT = Duration.ofSeconds(2);

  /** What a mount is, for listings and replies. */
  public record MountInfo(String image, Path mountPoint, String manifestDigest, Instant mountedAt) {}

  /**
   * Where mounts are kept across restarts: the store of their FUSE descriptors, their records and
   * the directory of their image copies.
   */
  public record Keeping(DescriptorStore descriptors, MountRecords records, Path copies) {}

  /**
   * A mount being served: what it is, the mount itself, its store, its counters and its record
   * (null when it could not be recorded: it then ends with the agent). Closing it unmounts.
   */
  public record Mounted(MountRegistry registry, MountInfo info, ImageMount mount, ImageStore store, ReadStats stats,
      AutoCloseable exported, MountRecords.Record record) implements AutoCloseable {
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
  private final Keeping keeping;
  private final Map<Path, Mounted> mounts = new ConcurrentHashMap<>();
  private final Set<Path> pending = ConcurrentHashMap.newKeySet();
  /** Recorded mounts being taken back at start, by mount point. */
  private final Map<Path, Restoring> restoring = new ConcurrentHashMap<>();
  private volatile boolean leaving;

  private record Restoring(MountRecords.Record record, CompletableFuture<Mounted> mounted) {}
  private final Map<Refusal, LongAdder> refused = new ConcurrentHashMap<>();
  private volatile boolean closed;

  /**
   * Mounts read through {@code cache} and open stores from {@code registries}; {@code settings}
   * gives the fetch and FUSE defaults. {@code onChange} runs after every mount, unmount and
   * failed mount (the agent decides there whether it is idle); {@code exportStats} publishes a
   * mount's counters under its mount point until the handle it returns is closed.
   */
  public MountRegistry(ChunkCache cache, RegistryConnections registries, MountSettings settings, Keeping keeping,
      Runnable onChange, BiFunction<ReadStats, String, AutoCloseable> exportStats) {
    this.keeping = keeping;
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
    MountSettings s = settingsFor(fetchTimeout, prefetch);
    return open(new Request(image, ref, null, insecureRegistries, fetchTimeout, prefetch, null), mountPoint, s).info();
  }

  /** What a mount was asked for: all that its record keeps. {@code layers} null: the whole image. */
  private record Request(String image, ImageRef ref, List<Digest> layers, List<String> insecure, Duration fetchTimeout,
      PrefetchSettings prefetch, HandshakeImages.Opened opened) {}

  private MountSettings settingsFor(Duration fetchTimeout, PrefetchSettings prefetch) {
    return (fetchTimeout == null ? settings : settings.withFetch(settings.fetch().withTimeout(fetchTimeout)))
        .withPrefetch(prefetch.withBackground(prefetch.background() && settings.prefetch().background()));
  }

  /**
   * Mounts the merged tree of the lowest {@code layers} of {@code image} at {@code dir}: what
   * containerd's snapshotter mounts for a lazy chain. Unmounted by {@link #umount} or by closing
   * the mount.
   */
  public Mounted mountLayers(String image, List<Digest> layers, Path dir) throws IOException {
    ImageRef ref = ImageRef.parse(image);
    FuseMount.unmountStale(dir); // a chain's mount left dead by an agent that died before keeping it
    return open(new Request(image, ref, layers, List.of(), null, settings.prefetch(), null), dir, settings);
  }

  /**
   * Mounts {@code opened}, the whole image {@code image} names, opened already by containerd's
   * handshake (its metadata copied under the copies directory), at {@code dir} as the chain of
   * all its layers: no request to the registry, no TOC decoded again. Its budget goes with the
   * mount, and is given back when this fails.
   */
  public Mounted mountOpened(String image, HandshakeImages.Opened opened, Path dir) throws IOException {
    try {
      ImageRef ref = ImageRef.parse(image);
      FuseMount.unmountStale(dir);
      List<Digest> layers = opened.image().layers().stream().map(dev.lazypull.oci.Descriptor::digest).toList();
      return open(new Request(image, ref, layers, List.of(), null, settings.prefetch(), opened), dir, settings);
    } catch (IOException | RuntimeException e) {
      opened.budget().release(); // when the mount failed before it took the budget; a second release gives nothing back
      throw e;
    }
  }

  /**
   * The recorded mount of {@code layers} at {@code dir} that this agent took back (or is taking
   * back) at start, if there is one: containerd's snapshotter adopts it instead of mounting again.
   * Does not wait, and does not touch {@code dir} (a kept mount not served yet would make a stat
   * of it wait for the server).
   */
  public Optional<CompletableFuture<Mounted>> keptChain(Path dir, List<Digest> layers) {
    Path key = dir.toAbsolutePath().normalize();
    Restoring r = restoring.get(key);
    if (r != null && layers.equals(r.record().layers())) {
      return Optional.of(r.mounted());
    }
    Mounted m = mounts.get(key);
    if (m != null && m.record() != null && layers.equals(m.record().layers())) {
      return Optional.of(CompletableFuture.completedFuture(m));
    }
    return Optional.empty();
  }

  /** The one place a mount is made: reserve the mount point, open the store, mount, record, keep, register. */
  private Mounted open(Request request, Path mountPoint, MountSettings s) throws IOException {
    String image = request.image();
    Path key = realPath(mountPoint);
    synchronized (this) {
      if (closed) {
        throw new IOException(STOPPING + "; mount again once it has restarted");
      }
      if (mounts.containsKey(key) || restoring.containsKey(key) || !pending.add(key)) {
        throw new IOException("mount point " + key + " is already mounted (or being mounted) by this agent");
      }
    }
    try {
      return mountNew(request, key, s);
    } catch (IOException | RuntimeException e) {
      refused.computeIfAbsent(Refusal.of(e), r -> new LongAdder()).increment();
      LOG.log(System.Logger.Level.WARNING, "refused to mount " + image + " at " + key + ": " + e.getMessage());
      throw e;
    } finally {
      pending.remove(key);
      onChange.run();
    }
  }

  /**
   * Opens the store, the image (keeping a copy of its metadata) and the mount, records it and keeps
   * its connection, and registers it; nothing stays open or recorded when it throws.
   */
  private Mounted mountNew(Request request, Path key, MountSettings s) throws IOException {
    ImageStore store = registries.open(request.ref(), request.insecure());
    try {
      MountPoints.requireEmptyDirectory(key);
      MountPoints.requireFuse();
      ReadStats stats = new ReadStats();
      String reference = request.ref().reference();
      IndexBudget budget = request.opened() != null ? request.opened().budget() : s.newIndexBudget();
      LazyImage image = request.opened() != null ? request.opened().image()
          : request.layers() == null ? LazyImage.open(store, reference, budget, keeping.copies())
          : LazyImage.openLayers(store, reference, request.layers(), budget, keeping.copies());
      ImageMount mount = ImageMount.open(store, image, budget, key, s, cache, stats);
      MountRecords.Record record;
      try {
        record = keeping.records().add(key, request.image(), image.manifestBytes().digest(), request.layers(),
            request.insecure(), request.fetchTimeout(), request.prefetch().list(), request.prefetch().background());
      } catch (IOException | RuntimeException e) {
        mount.close();
        throw e;
      }
      // Off the mount's path: the first keep may start the holder (a JVM, ~0.7 s), which the
      // mount's caller should not wait for. Until it is kept, the mount ends with the agent.
      Thread.ofVirtual().name("keep-" + record.sessionKey()).start(() -> keep(mount, record));
      return register(request.image(), key, mount, store, stats, record, "mounted");
    } catch (IOException | RuntimeException e) {
      store.close();
      throw e;
    }
  }

  /** Keeps the mount's connection; a store that refuses costs only the mount's survival of a restart. */
  private void keep(ImageMount mount, MountRecords.Record record) {
    try {
      mount.keepIn(keeping.descriptors(), record.sessionKey());
    } catch (IOException | RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "the mount at " + record.mountPoint() + " will not survive a restart of the"
          + " agent: " + keeping.descriptors().describe() + " did not keep its FUSE connection: " + e.getMessage());
    }
  }

  private Mounted register(String image, Path key, ImageMount mount, ImageStore store, ReadStats stats,
      MountRecords.Record record, String how) {
    MountInfo info = new MountInfo(image, key, mount.image().manifestBytes().digest().toString(), Instant.now());
    Mounted m = new Mounted(this, info, mount, store, stats, exportStats.apply(stats, key.toString()), record);
    mounts.put(key, m);
    // umount(8) ends the kernel connection without asking us: the mount tells us, and goes.
    mount.unmounted().thenRunAsync(() -> remove(m), r -> Thread.ofVirtual().start(r));
    LOG.log(System.Logger.Level.INFO, how + " " + image + " at " + key);
    return m;
  }

  /**
   * Takes back every recorded mount, each on its own virtual thread, and returns at once: one
   * slow or broken image (a registry gone, a copy lost) never holds the agent's start or the
   * others. A mount whose connection was kept is resumed (the kernel's queued requests answered);
   * one whose connection ended (the agent died before keeping it, systemd dropped its store on a
   * stop) is mounted afresh where its dead mount was; one no longer mounted at all (unmounted from
   * outside meanwhile) is forgotten. Kept connections without a record are let go.
   */
  public void restore() throws IOException {
    List<String> unreadable = new ArrayList<>();
    List<MountRecords.Record> records = keeping.records().all(unreadable);
    unreadable.forEach(u -> LOG.log(System.Logger.Level.WARNING, "skipping unreadable mount record " + u));
    Map<String, KeptSessions.Kept> kept;
    try {
      kept = new java.util.HashMap<>(KeptSessions.retrieve(keeping.descriptors()));
    } catch (IOException | RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "cannot take back the kept FUSE connections from "
          + keeping.descriptors().describe() + ": " + e.getMessage() + "; mounting afresh what was recorded");
      kept = new java.util.HashMap<>();
    }
    for (MountRecords.Record r : records) {
      KeptSessions.Kept k = kept.remove(r.sessionKey());
      Restoring job = new Restoring(r, new CompletableFuture<>());
      restoring.put(r.mountPoint(), job);
      Thread.ofVirtual().name("restore-" + r.sessionKey()).start(() -> restoreOne(job, k));
    }
    for (KeptSessions.Kept k : kept.values()) {
      LOG.log(System.Logger.Level.WARNING, "letting go of kept FUSE connection " + k.session().name() + ": no mount record");
      KeptSessions.closeAll(List.of(k));
      try {
        keeping.descriptors().drop(k.session().name());
      } catch (IOException e) {
        LOG.log(System.Logger.Level.WARNING, "cannot drop " + k.session().name() + ": " + e.getMessage());
      }
    }
  }

  private void restoreOne(Restoring job, KeptSessions.Kept kept) {
    MountRecords.Record r = job.record();
    long started = System.nanoTime();
    try {
      Mounted m = restored(r, kept);
      job.mounted().complete(m);
      LOG.log(System.Logger.Level.INFO, "serving " + r.mountPoint() + " again after "
          + (System.nanoTime() - started) / 1_000_000 + " ms");
    } catch (IOException | RuntimeException e) {
      job.mounted().completeExceptionally(e);
      if (!closed) {
        LOG.log(System.Logger.Level.WARNING, "cannot restore the mount of " + r.image() + " at " + r.mountPoint() + ": "
            + e.getMessage());
        forget(r);
      }
    } finally {
      restoring.remove(r.mountPoint(), job);
      onChange.run();
    }
  }

  /** The mount of record {@code r}, resumed from {@code kept} (null: not kept) or mounted afresh. */
  private Mounted restored(MountRecords.Record r, KeptSessions.Kept kept) throws IOException {
    ImageRef ref = ImageRef.parse(r.image());
    MountSettings s = settingsFor(r.fetchTimeout(),
        PrefetchSettings.defaults().withList(r.prefetchList()).withBackground(r.backgroundFetch()));
    ImageStore store = registries.open(ref, r.insecureRegistries());
    try {
      ReadStats stats = new ReadStats();
      ImageMount mount = null;
      String how = "resumed";
      if (kept != null) {
        IndexBudget budget = s.newIndexBudget();
        LazyImage image;
        try {
          image = image(r, store, budget);
        } catch (IOException | RuntimeException e) {
          end(kept); // nobody will serve it: its readers get ENOTCONN rather than waiting for ever
          throw e;
        }
        try {
          mount = ImageMount.resume(store, image, budget, r.mountPoint(), s, cache, stats, kept, keeping.descriptors());
        } catch (StaleSessionException e) {
          LOG.log(System.Logger.Level.INFO, "the kept connection of " + r.mountPoint() + " has ended (" + e.getMessage()
              + "); mounting afresh");
        }
      }
      if (mount == null) {
        // A mount that answers no stat is kept by a store this agent did not get it from: nobody serves it.
        boolean dead = FuseMount.unmountStale(r.mountPoint(), UNSERVED_LIMIT);
        if (!dead && !r.isChain()) {
          throw new IOException("nothing is mounted at " + r.mountPoint() + " any more (unmounted from outside)");
        }
        IndexBudget budget = s.newIndexBudget();
        mount = ImageMount.open(store, image(r, store, budget), budget, r.mountPoint(), s, cache, stats);
        keep(mount, r);
        how = "mounted again";
      }
      synchronized (this) {
        if (closed) {
          if (leaving && mount.isKept()) {
            mount.leaveToSuccessor();
          } else {
            mount.close();
          }
          throw new IOException(STOPPING);
        }
        return register(r.image(), r.mountPoint(), mount, store, stats, r, how);
      }
    } catch (IOException | RuntimeException e) {
      store.close();
      throw e;
    }
  }

  /**
   * The image of record {@code r}: from its local copy, without the network (so a registry that
   * is gone costs only the chunks the cache lacks), else from the registry by its digest.
   */
  private LazyImage image(MountRecords.Record r, ImageStore store, IndexBudget budget) throws IOException {
    String digest = r.manifest().toString();
    try {
      LazyImage image = LazyImage.restore(keeping.copies(), r.manifest(), digest,
          r.layers() == null ? -1 : r.layers().size(), budget);
      if (r.layers() != null && !image.layers().stream().map(d -> d.digest()).toList().equals(r.layers())) {
        budget.release();
        throw new IOException("the local copy of " + r.manifest() + " has other layers than the record of " + r.mountPoint());
      }
      return image;
    } catch (IOException | RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "cannot restore " + r.image() + " from its local copy (" + e.getMessage()
          + "); reading its metadata from the registry");
      return r.layers() == null
          ? LazyImage.open(store, digest, budget, keeping.copies())
          : LazyImage.openLayers(store, digest, r.layers(), budget, keeping.copies());
    }
  }

  /** Ends a kept connection nobody will serve: the last descriptor closed, the kernel aborts it. */
  private void end(KeptSessions.Kept kept) {
    KeptSessions.closeAll(List.of(kept));
    try {
      keeping.descriptors().drop(kept.session().name());
    } catch (IOException e) {
      LOG.log(System.Logger.Level.WARNING, "cannot drop " + kept.session().name() + ": " + e.getMessage());
    }
  }

  /** Removes a record, and its image copy when no other record needs it. */
  private void forget(MountRecords.Record r) {
    try {
      keeping.records().remove(r.id());
      if (!keeping.records().otherUses(r.manifest(), r.id())) {
        ImageCopy.delete(keeping.copies(), r.manifest());
      }
    } catch (IOException e) {
      LOG.log(System.Logger.Level.WARNING, "cannot forget the mount record of " + r.mountPoint() + ": " + e.getMessage());
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

  /** No mount served and none being made or taken back. */
  public boolean isIdle() {
    return mounts.isEmpty() && pending.isEmpty() && restoring.isEmpty();
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
    if (m.record() != null) {
      forget(m.record());
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

  /**
   * Refuses new mounts and stops serving, leaving every kept mount mounted, kept and recorded for
   * the next agent (a restart or an upgrade); mounts that are not kept are unmounted. For a
   * process about to exit: the kept mounts' readers stop with it. {@link #close} afterwards
   * unmounts nothing that was left.
   */
  public void leaveToSuccessor() {
    synchronized (this) {
      closed = true;
      leaving = true;
    }
    for (Mounted m : List.copyOf(mounts.values())) {
      if (m.mount().isKept() && mounts.remove(m.info().mountPoint(), m)) {
        m.mount().leaveToSuccessor();
        try {
          m.exported().close();
        } catch (Exception e) {
          LOG.log(System.Logger.Level.DEBUG, "unexporting the counters of " + m.info().mountPoint() + ": " + e);
        }
        LOG.log(System.Logger.Level.INFO, "left " + m.info().mountPoint() + " mounted for the next agent");
      } else {
        remove(m);
      }
    }
  }

  /** Refuses new mounts and unmounts every mount (the agent is stopping for good). */
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
