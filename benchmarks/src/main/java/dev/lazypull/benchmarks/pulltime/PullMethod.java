package dev.lazypull.benchmarks.pulltime;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A way of getting from "pull" to the first successful run of a program in the image. The
 * harness's own ways hand back a root file system the workload is chrooted into
 * ({@link RootfsPullMethod}); containerd's ways pull and run through {@code ctr}, as users do.
 * The node's state (content store, snapshots, chunk cache) lives under one directory per trial.
 */
public sealed interface PullMethod extends AutoCloseable permits RootfsPullMethod, CtrPullMethod, CtrLazyMethod {

  /**
   * What a run cost, read after its timing ended. {@code mountSeconds} is the pull (or mount)
   * step alone; {@code bytesFetched}, {@code rangeRequests} and {@code bytesRead} are -1 when the
   * method does not know them (the link's own byte count is recorded for every method).
   */
  record Cost(double mountSeconds, long bytesFetched, long rangeRequests, long bytesRead) {}

  /** The {@code method} parameter's values, in the order the table shows them. */
  static PullMethod of(String name, Testbed testbed, Path nodeDir) throws IOException, InterruptedException {
    return switch (name) {
      case "ctr" -> CtrPullMethod.start(testbed, nodeDir);
      case "ctr-lazy" -> CtrLazyMethod.start(testbed, nodeDir);
      case "full" -> new FullPullMethod(testbed, nodeDir);
      case "lazy" -> new LazyPullMethod(testbed, nodeDir);
      case "agent" -> new AgentPullMethod(testbed, nodeDir);
      default -> throw new IllegalArgumentException("unknown method " + name + " (ctr, ctr-lazy, full, lazy or agent)");
    };
  }

  /** Untimed: empties the node's caches ({@code cold}) or keeps what earlier runs fetched ({@code warm}). */
  void reset(CacheState cache) throws IOException, InterruptedException;

  /** Timed: pulls {@code image} and runs {@code workload} in it as container {@code container}; fails unless it exits 0. */
  void pullAndRun(BenchImage image, Workload workload, String container) throws IOException, InterruptedException;

  /** Untimed: what the last run cost, then removes its container (and unmounts its root file system). */
  Cost release() throws IOException, InterruptedException;

  /** Stops what the method started for the trial (a containerd, an agent). */
  @Override
  default void close() throws IOException, InterruptedException {}

  /** Node cache state before a run. */
  enum CacheState {
    /** Nothing of the image on the node: a node that never ran it. */
    COLD,
    /** The image's data on the node from an earlier run, no container of it running. */
    WARM;

    public static CacheState parse(String s) {
      return valueOf(s.toUpperCase(java.util.Locale.ROOT));
    }
  }
}
