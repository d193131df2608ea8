package dev.lazypull.agent.snapshots;

import dev.lazypull.agent.snapshots.RemoteLayerLabels.Lazy;
import dev.lazypull.agent.snapshots.RemoteLayerLabels.NotLazy;
import dev.lazypull.fuse.FuseMount;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * containerd's snapshotter semantics over overlayfs, with lazy layers: an ordinary layer is a
 * directory containerd unpacks into, a lazy one (the remote-snapshot handshake) is committed
 * without content and its chain is one merged FUSE mount of the image's index (decision 0011).
 * A container snapshot is overlayfs with the lazy mount as the lowest lower directory.
 *
 * <p>Layout under the root: {@code metadata.db} and {@code snapshots/ID/{fs,work}}, named by the
 * store's ids. For a lazy snapshot {@code fs} is the mount point of its chain.
 *
 * <p>Changes are serialised by one lock; the store makes each one a transaction, and {@link
 * #open} recovers from a crash at any point: directories of uncommitted snapshots are removed,
 * dead FUSE mounts detached and the lazy chains that were mounted mounted again.
 */
public final class OverlaySnapshotter implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(OverlaySnapshotter.class.getName());
  private static final Path OVERLAY_INDEX_PARAMETER = Path.of("/sys/module/overlay/parameters/index");
  /** How long a chain mounted ahead of use stays mounted when no container comes (a pull's handshake and the first run). */
  static final Duration EARLY_MOUNT_KEEP = Duration.ofMinutes(2);

  private final Path snapshots;
  private final SnapshotStore store;
  private final LazyChainMounter mounter;
  private final MeterRegistry meters;
  private final Counter lazyLayers;
  private final Map<Long, LazyChainMounter.Mounted> mounted = new ConcurrentHashMap<>();
  /**
   * Whole-image chains being mounted (or mounted) in the background as soon as their top layer is
   * committed, by snapshot id, until a request needs them ({@link #ensureMounted} takes them into
   * {@link #mounted}), their snapshot goes, or {@link #EARLY_MOUNT_KEEP} passes unused.
   */
  private final Map<Long, CompletableFuture<LazyChainMounter.Mounted>> early = new ConcurrentHashMap<>();
  private final ReentrantLock changes = new ReentrantLock();

  private final Duration earlyMountKeep;

  private OverlaySnapshotter(Path root, SnapshotStore store, LazyChainMounter mounter, MeterRegistry meters, Duration earlyMountKeep) {
    this.earlyMountKeep = earlyMountKeep;
    this.snapshots = root.resolve("snapshots");
    this.store = store;
    this.mounter = mounter;
    this.meters = meters;
    this.lazyLayers = Counter.builder("lazypull.snapshotter.lazy.layers")
        .description("layers containerd did not download because they are mounted lazily").register(meters);
  }

  /**
   * Opens (creating) the snapshotter at {@code root}, the snapshots directory (kubelet counts
   * image-filesystem use under containerd's root on 1.6, so the default is
   * /var/lib/containerd/io.containerd.snapshotter.v1.lazypull), and recovers what a crash left.
   */
  public static OverlaySnapshotter open(Path root, LazyChainMounter mounter, MeterRegistry meters) throws IOException {
    return open(root, mounter, meters, EARLY_MOUNT_KEEP);
  }

  /** As {@link #open(Path, LazyChainMounter, MeterRegistry)}, a chain mounted ahead of use kept {@code earlyMountKeep} unused. */
  static OverlaySnapshotter open(Path root, LazyChainMounter mounter, MeterRegistry meters, Duration earlyMountKeep) throws IOException {
    Files.createDirectories(root);
    Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx------"));
    Files.createDirectories(root.resolve("snapshots"));
    SnapshotStore store = SnapshotStore.open(root.resolve("metadata.db"));
    OverlaySnapshotter s = new OverlaySnapshotter(root.toAbsolutePath(), store, mounter, meters, earlyMountKeep);
    try {
      s.recover();
    } catch (IOException | RuntimeException e) {
      store.close();
      throw e;
    }
    return s;
  }

  public List<MountSpec> prepare(String key, String parent, Map<String, String> labels) throws IOException, SnapshotException {
    checkRequest(key, parent, labels);
    changes.lock();
    try {
      String target = labels.get(RemoteLayerLabels.TARGET);
      if (target != null) {
        Names.requireKey("label " + RemoteLayerLabels.TARGET, target);
        if (store.get(target).isPresent()) {
          throw SnapshotException.alreadyExists("target snapshot " + target + " already exists");
        }
        Optional<LazyChain> chain = lazyChain(target, parent, labels);
        if (chain.isPresent()) {
          Snapshot p = parent.isEmpty() ? null : store.get(parent).orElseThrow();
          Snapshot committed = store.create(target, Kind.COMMITTED, p, labels, chain.get(), this::makeFsDir);
          lazyLayers.increment();
          if (mounter.isWholeImage(chain.get())) {
            mountEarly(committed);
          }
          LOG.log(System.Logger.Level.INFO, "lazy layer " + chain.get().top() + " of " + chain.get().imageRef()
              + " committed as " + target + ": containerd does not download it");
          throw SnapshotException.alreadyExists("target snapshot " + target + " is a lazy layer (lazypull)");
        }
      }
      return mountsOf(create(key, parent, labels, Kind.ACTIVE));
    } finally {
      changes.unlock();
    }
  }

  public List<MountSpec> view(String key, String parent, Map<String, String> labels) throws IOException, SnapshotException {
    checkRequest(key, parent, labels);
    changes.lock();
    try {
      return mountsOf(create(key, parent, labels, Kind.VIEW));
    } finally {
      changes.unlock();
    }
  }

  public List<MountSpec> mounts(String key) throws IOException, SnapshotException {
    Names.requireKey("key", key);
    changes.lock();
    try {
      return mountsOf(existing(key));
    } finally {
      changes.unlock();
    }
  }

  public Snapshot commit(String name, String key, Map<String, String> labels) throws IOException, SnapshotException {
    Names.requireKey("name", name);
    Names.requireKey("key", key);
    Names.requireLabels(labels);
    changes.lock();
    try {
      Snapshot s = store.commit(key, name, labels);
      deleteTree(workDir(s.id()));
      return s;
    } finally {
      changes.unlock();
    }
  }

  /** Removes a snapshot without children: unmounts a lazy chain, then deletes its record and directories. */
  public void remove(String key) throws IOException, SnapshotException {
    Names.requireKey("key", key);
    changes.lock();
    try {
      Snapshot s = existing(key);
      if (store.hasChildren(s.id())) {
        throw SnapshotException.precondition("snapshot " + key + " has children: remove them first");
      }
      if (s.isLazy()) {
        unmount(s);
      }
      store.delete(s.id());
      deleteTree(dirOf(s.id()));
    } finally {
      changes.unlock();
    }
  }

  public Snapshot stat(String key) throws IOException, SnapshotException {
    Names.requireKey("key", key);
    return existing(key);
  }

  /**
   * Updates the labels of {@code key}: {@code paths} empty or {@code labels} replace them all,
   * {@code labels.NAME} sets or (absent from {@code labels}) removes one. Other fields are immutable.
   */
  public Snapshot update(String key, Map<String, String> labels, List<String> paths) throws IOException, SnapshotException {
    Names.requireKey("key", key);
    Names.requireLabels(labels);
    changes.lock();
    try {
      Snapshot s = existing(key);
      Map<String, String> next = new LinkedHashMap<>(s.labels());
      if (paths.isEmpty()) {
        next = new LinkedHashMap<>(labels);
      }
      for (String path : paths) {
        if (path.equals("labels")) {
          next = new LinkedHashMap<>(labels);
        } else if (path.startsWith("labels.") && path.length() > "labels.".length()) {
          String name = path.substring("labels.".length());
          if (labels.containsKey(name)) {
            next.put(name, labels.get(name));
          } else {
            next.remove(name);
          }
        } else {
          throw SnapshotException.invalid("cannot update field " + Names.abbreviate(path) + " of a snapshot: only labels change");
        }
      }
      Names.requireLabels(next);
      return store.setLabels(key, next);
    } finally {
      changes.unlock();
    }
  }

  /** Bytes and inodes the snapshot holds on this node's disk (a lazy layer holds none: its data is fetched and cached). */
  public Usage usage(String key) throws IOException, SnapshotException {
    Names.requireKey("key", key);
    Snapshot s = existing(key);
    if (s.isLazy()) {
      return new Usage(0, 0);
    }
    return DiskUsage.of(fsDir(s.id()));
  }

  public record Usage(long bytes, long inodes) {}

  public List<Snapshot> list() throws IOException {
    return store.all();
  }

  /** Removes what no snapshot owns: directories without a record, and mounts left on them. */
  public void cleanup() throws IOException {
    changes.lock();
    try {
      removeOrphans();
    } finally {
      changes.unlock();
    }
  }

  /** Unmounts every lazy chain (their records stay, so the next start mounts them again). */
  @Override
  public void close() throws IOException {
    changes.lock();
    try {
      for (Long id : List.copyOf(early.keySet())) {
        try {
          closeEarly(id);
        } catch (IOException | RuntimeException e) {
          LOG.log(System.Logger.Level.WARNING, "cannot unmount lazy snapshot " + id + ": " + e.getMessage());
        }
      }
      for (Map.Entry<Long, LazyChainMounter.Mounted> m : mounted.entrySet()) {
        try {
          m.getValue().close();
        } catch (IOException | RuntimeException e) {
          LOG.log(System.Logger.Level.WARNING, "cannot unmount lazy snapshot " + m.getKey() + ": " + e.getMessage());
        }
      }
      mounted.clear();
      store.close();
    } finally {
      changes.unlock();
    }
  }

  private static void checkRequest(String key, String parent, Map<String, String> labels) throws SnapshotException {
    Names.requireKey("key", key);
    Names.requireParent(parent);
    Names.requireLabels(labels);
  }

  /**
   * The chain a handshake Prepare can commit without content, or empty (logged and counted as a
   * fallback) when the layer is to be unpacked the ordinary way.
   */
  private Optional<LazyChain> lazyChain(String target, String parent, Map<String, String> labels) throws IOException {
    LazyChain chain;
    switch (RemoteLayerLabels.read(labels)) {
      case NotLazy n -> {
        return fallback(target, n.reason(), n.detail());
      }
      case Lazy l -> {
        if (parent.isEmpty()) {
          chain = new LazyChain(l.imageRef(), List.of(l.layer()));
        } else {
          Optional<Snapshot> p = store.get(parent);
          if (p.isEmpty() || !p.get().isLazy()) {
            return fallback(target, "parent-not-lazy", "its parent " + Names.abbreviate(parent)
                + (p.isEmpty() ? " does not exist" : " was unpacked, not mounted lazily"));
          }
          chain = p.get().lazy().plus(l.imageRef(), l.layer());
        }
      }
    }
    long start = System.nanoTime();
    try {
      mounter.check(chain);
      LOG.log(System.Logger.Level.DEBUG, "checked lazy layer " + chain.top() + " in " + millis(start));
    } catch (IOException | RuntimeException e) {
      return fallback(target, "remote-check-failed", "layer " + chain.top() + " of " + chain.imageRef()
          + " cannot be mounted lazily: " + e.getMessage());
    }
    return Optional.of(chain);
  }

  private Optional<LazyChain> fallback(String target, String reason, String detail) {
    Counter.builder("lazypull.snapshotter.fallbacks").tag("reason", reason)
        .description("layers containerd downloads and unpacks because they cannot be mounted lazily")
        .register(meters).increment();
    LOG.log(System.Logger.Level.WARNING, "layer " + target + " falls back to download and unpack (" + reason + "): " + detail);
    return Optional.empty();
  }

  private Snapshot create(String key, String parentKey, Map<String, String> labels, Kind kind) throws IOException, SnapshotException {
    Snapshot parent = null;
    if (!parentKey.isEmpty()) {
      parent = store.get(parentKey).orElseThrow(() -> SnapshotException.notFound("parent snapshot " + parentKey + " does not exist"));
      if (parent.kind() != Kind.COMMITTED) {
        throw SnapshotException.precondition("parent snapshot " + parentKey + " is not committed");
      }
      lowerDirs(parent); // mounts a lazy chain now, so that a failure leaves no snapshot behind
    }
    return store.create(key, kind, parent, labels, null, kind == Kind.ACTIVE ? this::makeActiveDirs : this::makeFsDir);
  }

  private Snapshot existing(String key) throws IOException, SnapshotException {
    return store.get(key).orElseThrow(() -> SnapshotException.notFound("snapshot " + key + " does not exist"));
  }

  private List<MountSpec> mountsOf(Snapshot s) throws IOException, SnapshotException {
    if (s.kind() == Kind.ACTIVE) {
      List<Path> lowers = s.hasParent() ? lowerDirs(parentOf(s)) : List.of();
      if (lowers.isEmpty()) {
        return List.of(new MountSpec("bind", fsDir(s.id()).toString(), List.of("rw", "rbind")));
      }
      List<String> options = new ArrayList<>(overlayBaseOptions());
      options.add("workdir=" + workDir(s.id()));
      options.add("upperdir=" + fsDir(s.id()));
      options.add("lowerdir=" + join(lowers));
      return List.of(new MountSpec("overlay", "overlay", options));
    }
    // a view shows its parent's chain; a committed snapshot asked for its mounts shows its own
    List<Path> lowers = s.kind() == Kind.COMMITTED ? lowerDirs(s) : s.hasParent() ? lowerDirs(parentOf(s)) : List.of();
    if (lowers.isEmpty()) {
      return List.of(new MountSpec("bind", fsDir(s.id()).toString(), List.of("ro", "rbind")));
    }
    if (lowers.size() == 1) {
      return List.of(new MountSpec("bind", lowers.getFirst().toString(), List.of("ro", "rbind")));
    }
    List<String> options = new ArrayList<>(overlayBaseOptions());
    options.add("lowerdir=" + join(lowers));
    return List.of(new MountSpec("overlay", "overlay", options));
  }

  /**
   * The lower directories of a chain, topmost first: each ordinary layer's directory down to the
   * first lazy one, whose merged mount (mounted now if it is not) stands for every layer below.
   */
  private List<Path> lowerDirs(Snapshot top) throws IOException, SnapshotException {
    List<Path> dirs = new ArrayList<>();
    Snapshot s = top;
    while (s != null) {
      if (s.isLazy()) {
        ensureMounted(s);
        dirs.add(fsDir(s.id()));
        break;
      }
      dirs.add(fsDir(s.id()));
      s = s.hasParent() ? parentOf(s) : null;
    }
    return dirs;
  }

  private Snapshot parentOf(Snapshot s) throws IOException {
    return store.get(s.parentId()).orElseThrow(() -> new IOException("snapshot " + s.key() + " has a missing parent " + s.parentId()));
  }

  /**
   * Mounts the whole-image chain {@code s} on a virtual thread of its own, so that the container's
   * Prepare that follows the pull finds it mounted (decision 0017). Outside the lock: containerd's
   * other calls meanwhile do not wait for it. Its snapshot is recorded as mounted once it is, so a
   * restarted agent adopts it as any chain; unused, it is unmounted after {@link #EARLY_MOUNT_KEEP}
   * (when no container came of the pull) and its snapshot recorded as not mounted.
   */
  private void mountEarly(Snapshot s) {
    CompletableFuture<LazyChainMounter.Mounted> f = new CompletableFuture<>();
    early.put(s.id(), f);
    Thread.ofVirtual().name("early-mount-" + s.id()).start(() -> {
      long start = System.nanoTime();
      try {
        LazyChainMounter.Mounted m = mounter.mount(s.lazy(), fsDir(s.id()));
        store.setMounted(s.id(), true);
        f.complete(m);
        LOG.log(System.Logger.Level.INFO, "mounted " + s.lazy().layers().size() + " lazy layers of " + s.lazy().imageRef()
            + " at " + fsDir(s.id()) + " ahead of their first use in " + millis(start));
      } catch (IOException | RuntimeException e) {
        f.completeExceptionally(e);
        LOG.log(System.Logger.Level.DEBUG, "mounting " + s.lazy().imageRef() + " ahead of its first use failed (" + e.getMessage()
            + "); the first request that needs it mounts it");
      }
    });
    CompletableFuture.delayedExecutor(earlyMountKeep.toMillis(), TimeUnit.MILLISECONDS, r -> Thread.ofVirtual().start(r))
        .execute(() -> releaseUnused(s.id(), f));
  }

  /** Unmounts a chain mounted ahead of use that no request has needed. */
  private void releaseUnused(long id, CompletableFuture<LazyChainMounter.Mounted> f) {
    changes.lock();
    try {
      if (!early.remove(id, f)) {
        return; // taken into use, or gone with its snapshot
      }
    } finally {
      changes.unlock();
    }
    f.whenComplete((m, e) -> {
      if (m == null) {
        return;
      }
      changes.lock();
      try {
        m.close();
        if (store.get(id).isPresent()) {
          store.setMounted(id, false);
        }
        LOG.log(System.Logger.Level.INFO, "unmounted the lazy chain of snapshot " + id + ": unused since its pull");
      } catch (IOException | RuntimeException ex) {
        LOG.log(System.Logger.Level.WARNING, "cannot unmount the unused lazy chain of snapshot " + id + ": " + ex.getMessage());
      } finally {
        changes.unlock();
      }
    });
  }

  /** The chain mounted ahead of use for {@code id}, closed (its snapshot is going); waits for a mount under way. */
  private void closeEarly(long id) throws IOException {
    CompletableFuture<LazyChainMounter.Mounted> f = early.remove(id);
    if (f == null) {
      return;
    }
    LazyChainMounter.Mounted m;
    try {
      m = f.join();
    } catch (CompletionException | CancellationException e) {
      return; // it did not mount
    }
    m.close();
  }

  private void ensureMounted(Snapshot s) throws IOException, SnapshotException {
    if (mounted.containsKey(s.id())) {
      return;
    }
    CompletableFuture<LazyChainMounter.Mounted> ahead = early.remove(s.id());
    if (ahead != null) {
      try {
        mounted.put(s.id(), ahead.join());
        return; // recorded as mounted by the thread that mounted it
      } catch (CompletionException | CancellationException e) {
        // it failed (and said why at debug): mount now, reporting the failure of this attempt
      }
    }
    Path dir = fsDir(s.id());
    long start = System.nanoTime();
    try {
      mounted.put(s.id(), mounter.mount(s.lazy(), dir));
    } catch (IOException | RuntimeException e) {
      throw new SnapshotException(SnapshotException.Reason.UNAVAILABLE, "cannot mount the lazy layers of snapshot " + s.key()
          + " (" + s.lazy().imageRef() + "): " + e.getMessage(), e);
    }
    if (!s.mounted()) {
      store.setMounted(s.id(), true);
    }
    LOG.log(System.Logger.Level.INFO, "mounted " + s.lazy().layers().size() + " lazy layers of " + s.lazy().imageRef() + " at " + dir
        + " in " + millis(start));
  }

  private void unmount(Snapshot s) throws IOException, SnapshotException {
    try {
      closeEarly(s.id());
    } catch (IOException e) {
      throw SnapshotException.precondition("cannot unmount the lazy layers of " + s.key() + ": " + e.getMessage());
    }
    LazyChainMounter.Mounted m = mounted.remove(s.id());
    if (m != null) {
      try {
        m.close();
      } catch (IOException e) {
        mounted.put(s.id(), m);
        throw SnapshotException.precondition("cannot unmount the lazy layers of " + s.key() + ": " + e.getMessage());
      }
    }
    FuseMount.unmountStale(fsDir(s.id()));
  }

  private void recover() throws IOException {
    removeOrphans();
    for (Snapshot s : store.all()) {
      if (s.isLazy() && s.mounted()) {
        try {
          ensureMounted(s);
        } catch (SnapshotException | IOException | RuntimeException e) {
          // A registry that is down must not keep the node's snapshotter from starting; the next
          // request that needs the chain mounts it.
          LOG.log(System.Logger.Level.WARNING, "not restored now: " + e.getMessage());
        }
      }
    }
  }

  private void removeOrphans() throws IOException {
    Set<String> known = new HashSet<>();
    for (Snapshot s : store.all()) {
      known.add(Long.toString(s.id()));
    }
    List<Path> orphans = new ArrayList<>();
    try (var entries = Files.list(snapshots)) {
      entries.filter(p -> !known.contains(p.getFileName().toString())).forEach(orphans::add);
    }
    for (Path orphan : orphans) {
      LOG.log(System.Logger.Level.INFO, "removing " + orphan + ": no snapshot owns it (left by a crash or a failed request)");
      FuseMount.unmountStale(orphan.resolve("fs"));
      deleteTree(orphan);
    }
  }

  private void makeActiveDirs(long id) throws IOException {
    Path dir = dirOf(id);
    deleteTree(dir); // an id reused after a rolled-back transaction may have left one
    Files.createDirectories(fsDir(id));
    Files.createDirectories(workDir(id));
  }

  private void makeFsDir(long id) throws IOException {
    deleteTree(dirOf(id));
    Files.createDirectories(fsDir(id));
  }

  private Path dirOf(long id) {
    return snapshots.resolve(Long.toString(id));
  }

  private Path fsDir(long id) {
    return dirOf(id).resolve("fs");
  }

  private Path workDir(long id) {
    return dirOf(id).resolve("work");
  }

  private static String millis(long startNanos) {
    return String.format(java.util.Locale.ROOT, "%.1f ms", (System.nanoTime() - startNanos) / 1e6);
  }

  private static List<String> overlayBaseOptions() {
    // As containerd's overlay snapshotter: without the index feature, lower layers need no file handles.
    return Files.exists(OVERLAY_INDEX_PARAMETER) ? List.of("index=off") : List.of();
  }

  private static String join(List<Path> dirs) {
    return String.join(":", dirs.stream().map(Path::toString).toList());
  }

  private static void deleteTree(Path dir) throws IOException {
    DiskUsage.deleteWithinFileSystem(dir);
  }
}
