package dev.lazypull.benchmarks.pulltime;

import dev.lazypull.lazyfs.stats.ReadStat;
import dev.lazypull.registry.ImageRef;
import dev.lazypull.registry.ImageStore;
import dev.lazypull.registry.ImageStores;
import dev.lazypull.registry.RegistryOptions;
import dev.lazypull.lazyfs.mount.ImageMount;
import dev.lazypull.lazyfs.mount.MountSettings;
import dev.lazypull.lazyfs.stats.StatsSnapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * lazypull as a node agent runs it: the mount served by a process that is already running (here
 * the benchmark's JVM, through the snapshotter's {@link ImageMount}), so a mount costs the index
 * fetch and the FUSE mount but no JVM start. Same image, cache and read path as {@code lazypull
 * mount}; the difference between the two methods is what a per-mount daemon process costs.
 */
final class AgentPullMethod implements RootfsPullMethod {
  private final Testbed testbed;
  private final LazyNode node;
  private ImageStore store;
  private ImageMount mount;
  private double mountSeconds;

  AgentPullMethod(Testbed testbed, Path nodeDir) {
    this.testbed = testbed;
    this.node = LazyNode.under(nodeDir);
  }

  @Override
  public void reset(CacheState cache) throws IOException, InterruptedException {
    node.reset(cache);
  }

  @Override
  public Path pull(BenchImage image, String container) throws IOException {
    Path dir = node.mountPoint(container);
    long t0 = System.nanoTime();
    ImageRef ref = ImageRef.parse(testbed.reference(image, "lazy"));
    store = ImageStores.open(ref, RegistryOptions.defaults());
    // The figures before the background fetch existed measured start-up alone; keep them comparable.
    mount = ImageMount.open(store, ref.reference(), dir, MountSettings.defaults(node.cacheDir())
        .withPrefetch(dev.lazypull.lazyfs.prefetch.PrefetchSettings.defaults().withBackground(false)));
    mountSeconds = (System.nanoTime() - t0) / 1e9;
    return dir;
  }

  @Override
  public Cost release() throws IOException {
    Path dir = mount.mountPoint();
    StatsSnapshot stats;
    try (ImageStore s = store;
        ImageMount m = mount) {
      stats = m.stats().snapshot();
    } finally {
      store = null;
      mount = null;
    }
    Files.deleteIfExists(dir);
    return new Cost(mountSeconds, stats.get(ReadStat.BYTES_FETCHED), stats.get(ReadStat.RANGE_REQUESTS), stats.get(ReadStat.BYTES_SERVED));
  }
}
