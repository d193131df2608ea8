package dev.lazypull.benchmarks.pulltime;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A way of getting from "pull" to a root file system a program can run in: the full pull
 * (containerd's way), {@code lazypull mount} (a daemon process per mount) or the same mount
 * served by an already running process, as a node agent would. The node's state (content store, snapshots, chunk
 * cache) lives under one directory per trial.
 */
public sealed interface PullMethod permits FullPullMethod, LazyPullMethod, AgentPullMethod {

  /** What a run cost, read after its timing ended. {@code bytesRead} is -1 when not known. */
  record Cost(double mountSeconds, long bytesFetched, long rangeRequests, long bytesRead) {}

  static PullMethod of(String name, Testbed testbed, Path nodeDir) {
    return switch (name) {
      case "full" -> new FullPullMethod(testbed, nodeDir);
      case "lazy" -> new LazyPullMethod(testbed, nodeDir);
      case "agent" -> new AgentPullMethod(testbed, nodeDir);
      default -> throw new IllegalArgumentException("unknown method " + name + " (full, lazy or agent)");
    };
  }

  /** Untimed: empties the node's caches ({@code cold}) or keeps what earlier runs fetched ({@code warm}). */
  void reset(CacheState cache) throws IOException, InterruptedException;

  /** Timed: pulls or mounts {@code image} as container {@code container}; returns its root file system. */
  Path pull(BenchImage image, String container) throws IOException, InterruptedException;

  /** Untimed: what the last pull cost, then unmounts its root file system. */
  Cost release() throws IOException, InterruptedException;

  /** Node cache state before a run. */
  enum CacheState {
    /** Nothing of the image on the node: a node that never ran it. */
    COLD,
    /** The image's data on the node from an earlier run, its root file system not mounted. */
    WARM;

    public static CacheState parse(String s) {
      return valueOf(s.toUpperCase(java.util.Locale.ROOT));
    }
  }
}
