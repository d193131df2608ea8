package dev.lazypull.benchmarks.pulltime;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The harness's own ways: the pull (or mount) hands back a root file system and the workload is
 * chrooted into it, with no container runtime in between.
 */
sealed interface RootfsPullMethod extends PullMethod permits FullPullMethod, LazyPullMethod, AgentPullMethod {

  /** Timed: pulls or mounts {@code image} as container {@code container}; returns its root file system. */
  Path pull(BenchImage image, String container) throws IOException, InterruptedException;

  @Override
  default void pullAndRun(BenchImage image, Workload workload, String container) throws IOException, InterruptedException {
    workload.runIn(pull(image, container));
  }
}
