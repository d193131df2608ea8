package dev.lazypull.benchmarks.pulltime;

import dev.lazypull.agent.AgentPaths;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The lazy path users take: containerd with the lazypull agent as its remote snapshotter
 * ({@code lazypull}, a proxy plugin on the agent's containerd.sock). {@code ctr-remote image rpull
 * --plain-http --snapshotter lazypull} of the lazy image (the remote-snapshot labels: containerd
 * downloads no layer), then {@code ctr run --snapshotter lazypull}. The agent keeps its defaults
 * (prefetch of a recorded start-up, background fetch of the rest), as a node would run it.
 *
 * <p>Cold: no image in containerd, no snapshot in the agent, and the chunk cache emptied (the agent
 * is stopped for that and started again, untimed, as the cache is its own), with the agent's
 * start over before the timed run begins: ready and its warm-up ended, as on a node whose agent
 * started at boot (an agent that has served no image). Warm: the image stays
 * pulled and the chunk cache keeps what earlier runs fetched; only the container is gone.
 */
final class CtrLazyMethod implements PullMethod {
  static final String SNAPSHOTTER = "lazypull";

  private final Testbed testbed;
  private final AgentPaths paths;
  private AgentProcess agent;
  private final ContainerdNode node;
  private String container;
  private double pullSeconds;

  private CtrLazyMethod(Testbed testbed, AgentPaths paths, AgentProcess agent, ContainerdNode node) {
    this.testbed = testbed;
    this.paths = paths;
    this.agent = agent;
    this.node = node;
  }

  static CtrLazyMethod start(Testbed testbed, Path nodeDir) throws IOException, InterruptedException {
    AgentPaths paths = new AgentPaths(nodeDir.resolve("agent"), nodeDir.resolve("agent-run"));
    AgentProcess agent = AgentProcess.start(paths);
    try {
      agent.awaitWarmUp();
      return new CtrLazyMethod(testbed, paths, agent,
          ContainerdNode.start(ContainerdNode.builder(nodeDir).proxySnapshotter(SNAPSHOTTER, paths.containerdSocket())));
    } catch (IOException | RuntimeException e) {
      agent.close();
      throw e;
    }
  }

  @Override
  public void reset(CacheState cache) throws IOException, InterruptedException {
    if (cache == CacheState.COLD) {
      node.removeImages(SNAPSHOTTER);
      agent.close();
      Commands.run("rm", "-rf", paths.cacheDir().toString());
      agent = AgentProcess.start(paths);
      node.awaitSnapshotter(SNAPSHOTTER);
      agent.awaitWarmUp();
    }
  }

  @Override
  public void pullAndRun(BenchImage image, Workload workload, String container) throws IOException {
    String ref = testbed.reference(image, "lazy");
    long t0 = System.nanoTime();
    node.server().ctrRemote("images", "rpull", "--plain-http", "--snapshotter", SNAPSHOTTER, ref);
    pullSeconds = (System.nanoTime() - t0) / 1e9;
    this.container = container;
    try {
      node.run(SNAPSHOTTER, ref, container, workload);
    } catch (IOException e) {
      throw new IOException(e.getMessage() + "\nlazypull agent log (tail):\n" + agent.logTail(), e);
    }
  }

  @Override
  public Cost release() throws IOException {
    String c = container;
    container = null;
    return node.release(c, pullSeconds);
  }

  @Override
  public void close() throws IOException, InterruptedException {
    try (AgentProcess a = agent) {
      // The image's chain mount goes first: a mount still served at SIGTERM is kept for a next
      // agent, and the trial's removal of its directory would then wait on it for ever.
      try (ContainerdNode n = node) {
        n.removeImages(SNAPSHOTTER);
      }
    }
  }
}
