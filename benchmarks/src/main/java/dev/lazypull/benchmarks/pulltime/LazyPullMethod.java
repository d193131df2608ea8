package dev.lazypull.benchmarks.pulltime;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code lazypull mount IMAGE DIR --root CACHE}: returns once DIR is mounted; reads fetch
 * chunks through the emulated link. Warm means the chunk cache holds what earlier runs read.
 */
final class LazyPullMethod implements PullMethod {
  private final Testbed testbed;
  private final LazyNode node;
  private Path mounted;
  private double mountSeconds;

  LazyPullMethod(Testbed testbed, Path nodeDir) {
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
    Lazypull.run("mount", testbed.reference(image, "lazy"), dir.toString(), "--root", node.cacheDir().toString());
    mountSeconds = (System.nanoTime() - t0) / 1e9;
    mounted = dir;
    return dir;
  }

  @Override
  public Cost release() throws IOException, InterruptedException {
    Path dir = mounted;
    mounted = null;
    try {
      JsonNode s = Lazypull.stats(dir);
      return new Cost(mountSeconds, s.path("bytesFetched").asLong(-1), s.path("rangeRequests").asLong(-1), s.path("bytesServed").asLong(-1));
    } finally {
      Lazypull.run("umount", dir.toString());
      Files.deleteIfExists(dir);
      reapDaemon(dir);
    }
  }

  /**
   * The mount daemon should exit once unmounted; one that lingers would load the machine for
   * every later run, so it gets a grace period and then SIGTERM (and a line in the output, as
   * it is a snapshotter bug worth knowing about).
   */
  private static void reapDaemon(Path mountPoint) {
    String mark = " " + mountPoint.toAbsolutePath();
    ProcessHandle.current().descendants()
        .filter(p -> p.info().commandLine().map(c -> c.contains(" mount ") && c.endsWith(mark)).orElse(false))
        .forEach(p -> {
          try {
            p.onExit().get(3, TimeUnit.SECONDS);
          } catch (TimeoutException e) {
            System.out.println("  note: mount daemon " + p.pid() + " still running after umount of " + mountPoint + "; terminating it");
            p.destroy();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          } catch (ExecutionException e) {
            // it exited
          }
        });
  }
}
