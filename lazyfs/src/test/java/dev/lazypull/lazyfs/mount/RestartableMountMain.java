package dev.lazypull.lazyfs.mount;

import dev.lazypull.format.IndexBudget;
import dev.lazypull.fuse.keep.DescriptorStore;
import dev.lazypull.fuse.keep.HolderClient;
import dev.lazypull.fuse.keep.KeptSessions;
import dev.lazypull.oci.Digest;
import dev.lazypull.registry.ImageStore;
import dev.lazypull.registry.ImageStores;
import dev.lazypull.registry.RegistryOptions;
import dev.lazypull.lazyfs.cache.ChunkCache;
import dev.lazypull.lazyfs.image.LazyImage;
import dev.lazypull.lazyfs.stats.ReadStats;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * A node process that serves one lazy image and survives its own restarts, as the agent does:
 * args[0] the image (registry reference), args[1] the mount point, args[2] a state directory
 * (chunk cache, image copies, the holder's socket, the mounted digest), args[3] the fetch deadline
 * in milliseconds. The first run mounts, keeps the connection in the holder and a copy of the
 * image's metadata; a later run restores the index from that copy (no network) and resumes the
 * connection. Prints "ready mounted|resumed MILLIS", the time from the process's start to serving.
 */
public final class RestartableMountMain {
  static final String KEY = "image";

  private RestartableMountMain() {}

  public static void main(String[] args) throws Exception {
    Instant started = ProcessHandle.current().info().startInstant().orElse(Instant.now());
    String reference = args[0];
    Path dir = Path.of(args[1]);
    Path state = Path.of(args[2]);
    Duration fetchTimeout = Duration.ofMillis(Long.parseLong(args[3]));
    Path copies = state.resolve("images");
    Path mounted = state.resolve("mounted-digest");
    MountSettings settings = MountSettings.defaults(state.resolve("cache"))
        .withFetch(MountSettings.defaults(null).fetch().withTimeout(fetchTimeout));
    // No background fetch of whole layers: the test needs chunks that are not in the cache.
    settings = settings.withPrefetch(settings.prefetch().withBackground(false));
    ReadStats stats = new ReadStats();
    ChunkCache cache = ChunkCache.open(settings.memoryBytes(), settings.cacheDir(), settings.cacheBytes(), stats);
    ImageStore store = ImageStores.open(reference, RegistryOptions.defaults());
    String tag = reference.substring(reference.lastIndexOf(':') + 1);
    DescriptorStore holder = new HolderClient(state.resolve("run").resolve("holder.sock"));
    Map<String, KeptSessions.Kept> kept = KeptSessions.retrieve(holder);
    KeptSessions.Kept mine = kept.remove(KEY);
    KeptSessions.closeAll(kept.values());
    IndexBudget budget = settings.newIndexBudget();
    String how;
    if (mine != null && Files.exists(mounted)) {
      LazyImage image = LazyImage.restore(copies, Digest.parse(Files.readString(mounted).strip()), tag, budget);
      ImageMount.resume(store, image, budget, dir, settings, cache, stats, mine, holder);
      how = "resumed";
    } else {
      LazyImage image = LazyImage.open(store, tag, budget, copies);
      ImageMount mount = ImageMount.open(store, image, budget, dir, settings, cache, stats);
      Files.writeString(mounted, image.manifestBytes().digest() + "\n");
      mount.keepIn(holder, KEY);
      how = "mounted";
    }
    System.out.println("ready " + how + " " + Duration.between(started, Instant.now()).toMillis());
    System.out.flush();
    Thread.currentThread().join();
  }
}
