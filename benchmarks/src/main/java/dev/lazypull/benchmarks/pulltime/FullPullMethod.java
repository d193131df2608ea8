package dev.lazypull.benchmarks.pulltime;

import dev.lazypull.benchmarks.pulltime.full.FullPull;
import dev.lazypull.registry.ImageStore;
import dev.lazypull.registry.ImageStores;
import dev.lazypull.registry.RegistryOptions;
import java.io.IOException;
import java.nio.file.Path;

/**
 * containerd's pull (see {@link FullPull}). Warm means the layer blobs are in the content store
 * but the snapshots are gone, so the run unpacks again without fetching: the closest analogue of a
 * lazy mount over a warm chunk cache.
 */
final class FullPullMethod implements RootfsPullMethod {
  private final Testbed testbed;
  private final Path nodeDir;
  private FullPull current;
  private double mountSeconds;

  FullPullMethod(Testbed testbed, Path nodeDir) {
    this.testbed = testbed;
    this.nodeDir = nodeDir;
  }

  @Override
  public void reset(CacheState cache) throws IOException, InterruptedException {
    Commands.run("rm", "-rf", nodeDir.resolve("snapshots").toString(), nodeDir.resolve("containers").toString());
    if (cache == CacheState.COLD) {
      Commands.run("rm", "-rf", nodeDir.resolve("content").toString());
    }
  }

  @Override
  public Path pull(BenchImage image, String container) throws IOException, InterruptedException {
    long t0 = System.nanoTime();
    String ref = testbed.reference(image, "source");
    try (ImageStore store = ImageStores.open(ref, RegistryOptions.defaults())) {
      current = FullPull.pull(store, "source", nodeDir, container);
    }
    mountSeconds = (System.nanoTime() - t0) / 1e9;
    return current.rootfs();
  }

  @Override
  public Cost release() throws IOException {
    try (FullPull pulled = current) {
      return new Cost(mountSeconds, pulled.bytesFetched(), 0, -1);
    } finally {
      current = null;
    }
  }
}
