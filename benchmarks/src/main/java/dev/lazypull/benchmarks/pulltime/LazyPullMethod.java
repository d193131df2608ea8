package dev.lazypull.benchmarks.pulltime;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lazypull.agent.AgentPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code lazypull mount IMAGE DIR --root ROOT --run-dir RUN}, the one-command use: with no agent
 * running, the command starts one in the background (a JVM of its own, which exits when its last
 * mount goes) and returns once DIR is mounted; reads fetch chunks through the emulated link. The
 * trial's own root and run directory, so no other agent on the machine serves the mount. Warm
 * means the chunk cache (under ROOT) holds what earlier runs read.
 */
final class LazyPullMethod implements RootfsPullMethod {
  private final Testbed testbed;
  private final LazyNode node;
  private final AgentPaths paths;
  private Path mounted;
  private double mountSeconds;

  LazyPullMethod(Testbed testbed, Path nodeDir) {
    this.testbed = testbed;
    this.node = LazyNode.under(nodeDir);
    this.paths = new AgentPaths(node.cacheDir(), nodeDir.resolve("lazy-run"));
  }

  @Override
  public void reset(CacheState cache) throws IOException, InterruptedException {
    node.reset(cache);
  }

  @Override
  public Path pull(BenchImage image, String container) throws IOException {
    Path dir = node.mountPoint(container);
    long t0 = System.nanoTime();
    Lazypull.run("mount", testbed.reference(image, "lazy"), dir.toString(),
        "--root", paths.root().toString(), "--run-dir", paths.runDir().toString());
    mountSeconds = (System.nanoTime() - t0) / 1e9;
    mounted = dir;
    return dir;
  }

  @Override
  public Cost release() throws IOException, InterruptedException {
    Path dir = mounted;
    mounted = null;
    try {
      JsonNode s = Lazypull.stats(paths.runDir(), dir);
      return new Cost(mountSeconds, s.path("bytesFetched").asLong(-1), s.path("rangeRequests").asLong(-1), s.path("bytesServed").asLong(-1));
    } finally {
      Lazypull.run("umount", dir.toString(), "--run-dir", paths.runDir().toString());
      Files.deleteIfExists(dir);
      awaitAgentExit();
    }
  }

  /**
   * The agent {@code lazypull mount} started exits once its last mount goes. The next run must
   * start its own (that start is part of what the method costs), and one that lingers would
   * load the machine, so it gets a grace period and then SIGTERM, with a line in the output, as
   * it would be an agent bug worth knowing about.
   */
  private void awaitAgentExit() {
    String mark = "--run-dir " + paths.runDir();
    ProcessHandle.current().descendants()
        .filter(p -> p.info().commandLine().map(c -> c.contains(" agent ") && c.contains(mark)).orElse(false))
        .forEach(p -> {
          try {
            p.onExit().get(5, TimeUnit.SECONDS);
          } catch (TimeoutException e) {
            System.out.println("  note: background agent " + p.pid() + " still running 5 s after the umount of its last mount; terminating it");
            p.destroy();
            p.onExit().orTimeout(60, TimeUnit.SECONDS).join();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          } catch (ExecutionException e) {
            // it exited
          }
        });
  }
}
