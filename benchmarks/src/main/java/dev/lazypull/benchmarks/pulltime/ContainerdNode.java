package dev.lazypull.benchmarks.pulltime;

import dev.lazypull.testkit.containerd.ContainerdServer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A node's containerd as the {@code ctr} methods drive it: a private containerd (testkit
 * {@link ContainerdServer}: own root, state, socket and config under the trial's node directory,
 * never the system service) and the {@code ctr} commands a user types. It runs for the whole
 * trial, as containerd does on a node, so no run pays its start.
 */
final class ContainerdNode implements AutoCloseable {
  private final ContainerdServer containerd;

  private ContainerdNode(ContainerdServer containerd) {
    this.containerd = containerd;
  }

  static ContainerdNode start(ContainerdServer.Builder builder) throws IOException {
    return new ContainerdNode(builder.start());
  }

  static ContainerdServer.Builder builder(Path nodeDir) {
    return ContainerdServer.builder(nodeDir.resolve("containerd"));
  }

  ContainerdServer server() {
    return containerd;
  }

  /** {@code ctr run [--snapshotter S] IMAGE ID ARGV...}: the container's process in the foreground; fails unless it exits 0. */
  void run(String snapshotter, String image, String container, Workload workload) throws IOException {
    List<String> args = new ArrayList<>(List.of("run"));
    if (snapshotter != null) {
      args.addAll(List.of("--snapshotter", snapshotter));
    }
    args.addAll(List.of(image, container));
    args.addAll(workload.argv());
    containerd.ctr(args.toArray(String[]::new));
  }

  /**
   * After a run, untimed (it ended when the process exited): removes the container and its
   * snapshot. What the run cost is its pull step's time; containerd counts no bytes for us, the
   * link does.
   */
  PullMethod.Cost release(String container, double pullSeconds) throws IOException {
    containerd.ctr("containers", "rm", container);
    return new PullMethod.Cost(pullSeconds, -1, -1, -1);
  }

  /**
   * Removes every image and lets containerd's garbage collector run before returning, then checks
   * that the content store and {@code snapshotter}'s snapshots are empty: a cold run must find
   * nothing of an earlier one.
   */
  void removeImages(String snapshotter) throws IOException {
    for (String image : containerd.ctr("images", "ls", "-q").lines().map(String::strip).filter(l -> !l.isEmpty()).toList()) {
      containerd.ctr("images", "rm", "--sync", image);
    }
    List<String> content = containerd.ctr("content", "ls", "-q").lines().filter(l -> !l.isBlank()).toList();
    List<String> snapshots = containerd.ctr("snapshots", "--snapshotter", snapshotter, "ls").lines().skip(1).filter(l -> !l.isBlank()).toList();
    if (!content.isEmpty() || !snapshots.isEmpty()) {
      throw new IOException("containerd kept " + content.size() + " blobs and " + snapshots.size() + " " + snapshotter
          + " snapshots after every image was removed: " + content + " " + snapshots);
    }
  }

  /**
   * containerd reconnects to a restarted proxy snapshotter within a few seconds; waits until a
   * request reaches it through containerd. {@code ctr snapshots ls} would not tell (containerd
   * answers it from its own metadata), so the probe prepares an empty snapshot and removes it.
   */
  void awaitSnapshotter(String snapshotter) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
    while (true) {
      try {
        containerd.ctr("snapshots", "--snapshotter", snapshotter, "prepare", "bench-probe");
        containerd.ctr("snapshots", "--snapshotter", snapshotter, "rm", "bench-probe");
        return;
      } catch (IOException notYet) {
        if (System.nanoTime() > deadline) {
          throw notYet;
        }
        Thread.sleep(100);
      }
    }
  }

  @Override
  public void close() throws IOException {
    containerd.close();
  }
}
