package dev.lazypull.agent.warmup;

import dev.lazypull.agent.mounts.HandshakeImages;
import dev.lazypull.agent.mounts.RegistryConnections;
import dev.lazypull.agent.snapshots.DiskUsage;
import dev.lazypull.fuse.FuseMount;
import dev.lazypull.lazyfs.cache.ChunkCache;
import dev.lazypull.lazyfs.mount.ImageMount;
import dev.lazypull.lazyfs.mount.MountSettings;
import dev.lazypull.lazyfs.stats.ReadStats;
import dev.lazypull.oci.Descriptor;
import dev.lazypull.oci.Digest;
import dev.lazypull.registry.ImageRef;
import dev.lazypull.registry.ImageStore;
import dev.lazypull.registry.RegistryOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

/**
 * Runs, once at the agent's start and before any image is served, the paths a container's first
 * pull takes in a fresh JVM (decision 0017): a registry's first connection, the manifest, config
 * and TOC requests, TOC decoding and verification, the index merge, the image copy, a FUSE mount,
 * lookups and reads through it, chunk fetches and their checks, the unmount. It does so on a tiny
 * image made in memory ({@link WarmUpImage}) served from a loopback port ({@link WarmUpRegistry}),
 * with its own registry connections, chunk cache and mount point under {@code ROOT/warm-up}, so the
 * node's cache, connections, records and containerd's snapshots see nothing of it. Without it a
 * fresh agent's first handshake check took 1.2-1.4 s and its first mount 0.34-0.45 s of class
 * loading and interpretation (decision 0016).
 *
 * <p>Bounded: {@link #ROUNDS} rounds or {@link #LIMIT}, whichever ends first; a round still running
 * at the limit has its mount unmounted (its reads end), and the agent serves as it is.
 */
public final class AgentWarmUp implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(AgentWarmUp.class.getName());
  /** Rounds after which the paths are loaded and compiled by C1 (the third is within noise of the second). */
  static final int ROUNDS = 3;
  static final Duration LIMIT = Duration.ofSeconds(20);
  private static final long CACHE_BYTES = 64L << 20;

  /** How it went: each round's time; {@code mounted} false when FUSE was not available (the open path alone ran). */
  public record Result(List<Duration> rounds, boolean mounted) {}

  private final Path dir;
  private final RegistryOptions registry;
  private final MountSettings settings;
  private final AtomicReference<ImageMount> current = new AtomicReference<>();
  private final CompletableFuture<Result> done = new CompletableFuture<>();
  private volatile boolean stopped;

  private AgentWarmUp(Path dir, RegistryOptions registry, MountSettings settings) {
    this.dir = dir;
    this.registry = registry;
    // Nothing in the background: the warm-up's image is gone before a background fetch would start.
    this.settings = settings.withPrefetch(settings.prefetch().withBackground(false));
  }

  /** Starts the warm-up on a thread of its own, in {@code dir} (emptied first), and returns at once. */
  public static AgentWarmUp start(Path dir, RegistryOptions registry, MountSettings settings) {
    AgentWarmUp w = new AgentWarmUp(dir, registry, settings);
    Thread worker = Thread.ofVirtual().name("lazypull-warm-up").start(w::runAndLog);
    CompletableFuture.delayedExecutor(LIMIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS).execute(() -> {
      if (!w.done.isDone()) {
        LOG.log(System.Logger.Level.WARNING, "warm-up still running after " + LIMIT.toSeconds() + " s: stopping it");
        w.stop();
        worker.interrupt();
      }
    });
    return w;
  }

  /** Completes when the warm-up has ended, however it ended. */
  public CompletableFuture<Result> done() {
    return done;
  }

  private void runAndLog() {
    try {
      Result r = run();
      LOG.log(System.Logger.Level.INFO, "lazypull agent warmed up in " + r.rounds().stream().mapToLong(Duration::toMillis).sum()
          + " ms (rounds " + r.rounds().stream().map(d -> d.toMillis() + " ms").toList() + (r.mounted() ? "" : ", without FUSE")
          + ")");
      done.complete(r);
    } catch (IOException | RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "lazypull agent warmed up in part: the warm-up stopped: " + e);
      done.complete(new Result(List.of(), false));
    }
  }

  private Result run() throws IOException {
    Path mnt = dir.resolve("mnt");
    clearLeftovers(dir);
    try (WarmUpRegistry server = WarmUpRegistry.start(WarmUpImage.build())) {
      List<Duration> rounds = new ArrayList<>();
      boolean mounted = true;
      for (int i = 0; i < ROUNDS && !stopped; i++) {
        long start = System.nanoTime();
        mounted = round(server, mnt, i, mounted);
        rounds.add(Duration.ofNanos(System.nanoTime() - start));
      }
      return new Result(List.copyOf(rounds), mounted);
    } finally {
      clearLeftovers(dir);
    }
  }

  /**
   * One pull's worth: the handshake's opening of the whole image and the chain check, then the top
   * chain's mount from that opening and the reads of a program's start. Returns whether it mounted.
   */
  private boolean round(WarmUpRegistry server, Path mnt, int n, boolean mount) throws IOException {
    Path roundDir = dir.resolve("round-" + n);
    Files.createDirectories(mnt);
    String ref = server.reference();
    try (RegistryConnections registries = new RegistryConnections(registry);
        HandshakeImages images = new HandshakeImages(registries, settings, roundDir.resolve("copies"))) {
      HandshakeImages.Opened opened = images.open(ref);
      List<Digest> layers = opened.image().manifest().layers().stream().map(Descriptor::digest).toList();
      if (!opened.beginsWith(layers.subList(0, 1)) || !images.open(ref).isChain(layers)) {
        throw new IOException("the warm-up image does not open as the chain of its layers");
      }
      HandshakeImages.Opened taken = images.take(ref, layers).orElseThrow(() -> new IOException("the warm-up image was not kept"));
      if (!mount) {
        taken.budget().release();
        return false;
      }
      ReadStats stats = new ReadStats();
      try (ChunkCache cache = ChunkCache.open(CACHE_BYTES, roundDir.resolve("cache"), CACHE_BYTES, stats);
          ImageStore store = registries.open(ImageRef.parse(ref), List.of())) {
        ImageMount m;
        try {
          m = ImageMount.open(store, taken.image(), taken.budget(), mnt, settings, cache, stats);
        } catch (IOException e) {
          LOG.log(System.Logger.Level.DEBUG, "warm-up without a FUSE mount: " + e.getMessage());
          return false;
        }
        current.set(m);
        try (m) {
          if (stopped) {
            return true;
          }
          readAll(mnt, server);
        } finally {
          current.set(null);
        }
      }
      return true;
    } finally {
      DiskUsage.deleteWithinFileSystem(roundDir);
    }
  }

  /** A program's start, roughly: stat and list the tree, follow a symlink, read files and check what they hold. */
  private static void readAll(Path mnt, WarmUpRegistry server) throws IOException {
    try (Stream<Path> tree = Files.walk(mnt)) {
      for (Path p : tree.toList()) {
        Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      }
    }
    if (Files.exists(mnt.resolve("etc/gone"), LinkOption.NOFOLLOW_LINKS)) {
      throw new IOException("the warm-up image's whiteout does not hide etc/gone");
    }
    Files.readSymbolicLink(mnt.resolve("bin/link"));
    for (Map.Entry<String, byte[]> f : server.files().entrySet()) {
      if (!Arrays.equals(Files.readAllBytes(mnt.resolve(f.getKey())), f.getValue())) {
        throw new IOException("the warm-up image's " + f.getKey() + " reads other bytes than it holds");
      }
    }
  }

  /**
   * Removes what an agent killed during its warm-up left in {@code dir}: its mount (never kept, so
   * dead with that process) and files. Every agent start does this, warm-up or not.
   */
  public static void clearLeftovers(Path dir) throws IOException {
    Path mnt = dir.resolve("mnt");
    if (Files.exists(mnt)) {
      FuseMount.unmountStale(mnt);
    }
    DiskUsage.deleteWithinFileSystem(dir);
  }

  private void stop() {
    stopped = true;
    ImageMount m = current.get();
    if (m != null) {
      m.close(); // a read waiting on the mount ends (ENOTCONN)
    }
  }

  /** Stops a warm-up still running (the agent is stopping) and waits a little for it to end. */
  @Override
  public void close() {
    stop();
    try {
      done.get(5, java.util.concurrent.TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      LOG.log(System.Logger.Level.DEBUG, "warm-up did not end: " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
