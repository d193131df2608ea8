package dev.lazypull.benchmarks.pulltime;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The baseline users compare with: containerd's own {@code ctr image pull --plain-http} of the
 * original (gzip) image, unpacked by its overlayfs snapshotter, then {@code ctr run}. Cold: no
 * image, blob or snapshot in containerd. Warm: the image stays pulled from the run before (blobs
 * and unpacked snapshots; the container is gone), so the pull only resolves the manifest again.
 */
final class CtrPullMethod implements PullMethod {
  static final String SNAPSHOTTER = "overlayfs";

  private final Testbed testbed;
  private final ContainerdNode node;
  private String container;
  private double pullSeconds;

  private CtrPullMethod(Testbed testbed, ContainerdNode node) {
    this.testbed = testbed;
    this.node = node;
  }

  static CtrPullMethod start(Testbed testbed, Path nodeDir) throws IOException {
    return new CtrPullMethod(testbed, ContainerdNode.start(ContainerdNode.builder(nodeDir)));
  }

  @Override
  public void reset(CacheState cache) throws IOException {
    if (cache == CacheState.COLD) {
      node.removeImages(SNAPSHOTTER);
    }
  }

  @Override
  public void pullAndRun(BenchImage image, Workload workload, String container) throws IOException {
    String ref = testbed.reference(image, "source");
    long t0 = System.nanoTime();
    node.server().ctr("images", "pull", "--plain-http", ref);
    pullSeconds = (System.nanoTime() - t0) / 1e9;
    this.container = container;
    node.run(null, ref, container, workload);
  }

  @Override
  public Cost release() throws IOException {
    String c = container;
    container = null;
    return node.release(c, pullSeconds);
  }

  @Override
  public void close() throws IOException {
    node.close();
  }
}
