package dev.lazypull.agent;

import dev.lazypull.agent.containerd.SnapshotsService;
import dev.lazypull.agent.containerd.SocketWarmUp;
import dev.lazypull.agent.control.ControlServer;
import dev.lazypull.agent.metrics.AgentMetrics;
import dev.lazypull.agent.metrics.MetricsServer;
import dev.lazypull.agent.mounts.HandshakeImages;
import dev.lazypull.agent.mounts.MountRecords;
import dev.lazypull.agent.mounts.MountRegistry;
import dev.lazypull.agent.mounts.RegistryChainMounter;
import dev.lazypull.agent.mounts.RegistryConnections;
import dev.lazypull.agent.systemd.SystemdNotifier;
import dev.lazypull.agent.warmup.AgentWarmUp;
import dev.lazypull.format.IndexBudget;
import dev.lazypull.fuse.keep.DescriptorStore;
import dev.lazypull.lazyfs.cache.ChunkCache;
import dev.lazypull.lazyfs.mount.MountSettings;
import dev.lazypull.lazyfs.prefetch.PrefetchSettings;
import dev.lazypull.lazyfs.stats.ReadStats;
import io.micrometer.core.instrument.FunctionCounter;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The node agent: one per run directory (a lock file makes sure), owning every lazy mount, the
 * node-wide chunk cache and the registry connections. It starts in this order and stops in the
 * reverse: lock, cache, registry connections, mounts, containerd's snapshots service, control
 * socket, gRPC socket for containerd (ready from then on), systemd notification.
 */
public final class Agent implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(Agent.class.getName());
  /**
   * Caffeine logs every future of its cache that fails, with a stack trace, at WARNING: in the
   * agent those are chunk fetches, whose failures the read path logs once itself (naming the blob
   * and range, or the read), and which an unmount fails on purpose for its requests in flight (up
   * to 125 such traces in one agent's log in a benchmark run). Held here: JUL keeps loggers weakly.
   */
  static final java.util.logging.Logger CAFFEINE_FAILED_LOADS = quiet("com.github.benmanes.caffeine.cache.LocalAsyncCache");
  /** An agent started in the background stops when no mount came within this time. */
  private static final long IDLE_START_SECONDS = 60;
  private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");

  /** Another agent already serves the run directory. */
  public static final class AlreadyRunningException extends IOException {
    AlreadyRunningException(String message) {
      super(message);
    }
  }

  private final AgentConfig config;
  private final List<AutoCloseable> opened = new ArrayList<>(); // in start order
  private final CompletableFuture<String> stop = new CompletableFuture<>();
  private final SystemdNotifier systemd = SystemdNotifier.fromEnvironment();
  private final AgentMetrics metrics = new AgentMetrics();
  private MetricsServer metricsServer;
  private MountRegistry mounts;
  private AgentControl control;
  private boolean closed;
  private CompletableFuture<AgentWarmUp.Result> warmUp = CompletableFuture.completedFuture(new AgentWarmUp.Result(List.of(), false));

  private Agent(AgentConfig config) {
    this.config = config;
  }

  /** Starts an agent; returns once it is ready (containerd.sock accepts connections). */
  public static Agent start(AgentConfig config) throws IOException {
    Agent agent = new Agent(config);
    try {
      agent.open();
      return agent;
    } catch (IOException | RuntimeException e) {
      agent.close();
      throw e;
    }
  }

  private void open() throws IOException {
    AgentPaths paths = config.paths();
    privateDirectory(paths.runDir(), true);
    privateDirectory(paths.root(), false);
    opened.add(lock(paths.lockFile()));

    ReadStats cacheStats = new ReadStats();
    ChunkCache cache = ChunkCache.open(config.memoryBytes(), paths.cacheDir(), config.cacheBytes(), cacheStats);
    opened.add(cache);
    RegistryConnections registries = new RegistryConnections(config.registry());
    opened.add(registries);
    // One index bound for all the agent's images, which its heap is sized for (see BackgroundAgent).
    MountSettings settings = MountSettings.defaults(null).withIndexBytes(config.indexBytes())
        .withNodeIndexBudget(IndexBudget.of(config.indexBytes()))
        .withPrefetch(PrefetchSettings.defaults().withBackground(config.backgroundFetch()));
    opened.add(metrics.bind(cacheStats, AgentMetrics.NODE));
    MountRecords records = MountRecords.open(paths.mountDatabase());
    opened.add(records);
    DescriptorStore descriptors = DescriptorStore.forThisProcess(paths.holderSocket());
    mounts = new MountRegistry(cache, registries, settings, new MountRegistry.Keeping(descriptors, records,
        paths.imageCopies()), this::mountsChanged, metrics::bind);
    opened.add(mounts);
    // Before containerd's snapshotter opens, so that it adopts the chains being taken back.
    mounts.restore();
    for (MountRegistry.Refusal why : MountRegistry.Refusal.values()) {
      FunctionCounter.builder("lazypull.mounts.refused", mounts, m -> m.refusals().get(why))
          .description("mounts refused since the agent started, by why (invalid_image: a TOC failed a check)")
          .tag("reason", why.name().toLowerCase(java.util.Locale.ROOT))
          .register(metrics.registry());
    }
    metrics.mountCount(() -> mounts.list().size());
    HandshakeImages handshakes = new HandshakeImages(registries, settings, paths.imageCopies());
    opened.add(handshakes);
    SnapshotsService snapshots = SnapshotsService.open(paths.snapshotsDir(),
        new RegistryChainMounter(mounts, registries, settings, handshakes), metrics.registry());
    opened.add(snapshots);
    control = new AgentControl(mounts, cacheStats);
    opened.add(ControlServer.start(paths.controlSocket(), control::handle));
    if (config.metrics() != null) {
      metricsServer = MetricsServer.start(config.metrics(), metrics);
      opened.add(metricsServer);
    }
    opened.add(ContainerdEndpoint.start(paths.containerdSocket(), List.of(snapshots)));
    // containerd 1.6 gives a proxy plugin's first handshake little time: load the path first.
    SocketWarmUp.warmUp(paths.containerdSocket(), java.time.Duration.ofSeconds(60));

    LOG.log(System.Logger.Level.INFO, "lazypull agent ready: control " + paths.controlSocket() + ", containerd "
        + paths.containerdSocket() + ", cache " + paths.cacheDir() + " (" + (config.cacheBytes() >> 20) + " MiB)"
        + (config.exitWhenIdle() ? "; exits when its last mount goes" : ""));
    if (systemd.enabled()) {
      systemd.ready("serving " + paths.containerdSocket());
    }
    try {
      AgentWarmUp.clearLeftovers(paths.root().resolve("warm-up"));
    } catch (IOException e) {
      LOG.log(System.Logger.Level.WARNING, "cannot remove what an earlier warm-up left in " + paths.root().resolve("warm-up") + ": " + e.getMessage());
    }
    if (config.warmUp() && !config.exitWhenIdle()) {
      // After READY: containerd (ordered after the agent at boot) does not wait for it.
      AgentWarmUp w = AgentWarmUp.start(paths.root().resolve("warm-up"), config.registry(), settings);
      opened.add(w);
      warmUp = w.done();
    }
    if (config.exitWhenIdle()) {
      CompletableFuture.delayedExecutor(IDLE_START_SECONDS, TimeUnit.SECONDS).execute(this::mountsChanged);
    }
  }

  private void mountsChanged() {
    if (config.exitWhenIdle() && mounts.closeIfIdle()) {
      stop.complete("its last mount went");
    }
  }

  /** Blocks until the agent is asked to stop (idle, or {@link #close}); returns why. */
  public String awaitStop() throws InterruptedException {
    try {
      return stop.get();
    } catch (java.util.concurrent.ExecutionException e) {
      return e.getCause().toString();
    }
  }

  /** Completes when the warm-up the agent ran after it became ready has ended (at once when it ran none). */
  public CompletableFuture<AgentWarmUp.Result> warmedUp() {
    return warmUp;
  }

  public AgentConfig config() {
    return config;
  }

  /** Where Prometheus scrapes {@code /metrics}, or null without {@code --metrics}. */
  public java.net.InetSocketAddress metricsAddress() {
    return metricsServer == null ? null : metricsServer.address();
  }

  public MountRegistry mounts() {
    return mounts;
  }

  /**
   * Stops for a restart or an upgrade (SIGTERM, {@code systemctl restart}): as {@link #close},
   * except that every kept mount stays mounted, kept and recorded, and the next agent on this
   * root and run directory takes it back; readers meanwhile wait in the kernel. For a process
   * about to exit (the mounts' reader threads stop with it).
   */
  public synchronized void closeLeavingMounts() {
    if (!closed && mounts != null) {
      mounts.leaveToSuccessor();
    }
    close();
  }

  /**
   * Stops for good in reverse start order: no new requests first, then every mount (unmounted,
   * its record removed), then the cache. Idempotent.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    stop.complete("stopped");
    if (systemd.enabled()) {
      try {
        systemd.stopping();
      } catch (IOException e) {
        LOG.log(System.Logger.Level.DEBUG, "sd_notify STOPPING: " + e.getMessage());
      }
    }
    for (AutoCloseable c : opened.reversed()) {
      try {
        c.close();
      } catch (Exception e) {
        LOG.log(System.Logger.Level.WARNING, "stopping the agent: closing " + c.getClass().getSimpleName() + ": " + e);
      }
    }
    opened.clear();
  }

  /**
   * Creates {@code dir} owner-only. An existing run directory must not be open to others (its
   * sockets answer whoever reaches them); an existing root is used as it is.
   */
  private static void privateDirectory(Path dir, boolean mustBePrivate) throws IOException {
    if (!Files.isDirectory(dir)) {
      Files.createDirectories(dir.getParent());
      try {
        Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
      } catch (java.nio.file.FileAlreadyExistsException raced) {
        // another process made it at the same moment; checked below
      }
      Files.setPosixFilePermissions(dir, OWNER_ONLY); // the umask may have narrowed nothing but widened nothing either
      return;
    }
    if (mustBePrivate) {
      Set<PosixFilePermission> perms = EnumSet.copyOf(Files.getPosixFilePermissions(dir));
      perms.retainAll(EnumSet.complementOf(EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
          PosixFilePermission.OWNER_EXECUTE)));
      if (!perms.isEmpty()) {
        throw new IOException("run directory " + dir + " is open to others (" + PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))
            + "): use a directory only its owner can enter (chmod 700), since the agent's sockets answer whoever reaches them");
      }
    }
  }

  /** Holds the run directory's lock for the agent's life, with this process's pid in the file. */
  private static AutoCloseable lock(Path lockFile) throws IOException {
    FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ);
    FileLock lock;
    try {
      lock = ch.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null;
    }
    if (lock == null) {
      String pid = Files.readString(lockFile, StandardCharsets.UTF_8).strip();
      ch.close();
      throw new AlreadyRunningException("another lazypull agent" + (pid.isEmpty() ? "" : " (pid " + pid + ")")
          + " already serves " + lockFile.getParent());
    }
    ch.truncate(0);
    ch.write(java.nio.ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8)));
    FileLock held = lock;
    return () -> {
      held.release();
      ch.close();
    };
  }

  private static java.util.logging.Logger quiet(String name) {
    java.util.logging.Logger logger = java.util.logging.Logger.getLogger(name);
    logger.setLevel(java.util.logging.Level.SEVERE);
    return logger;
  }
}
