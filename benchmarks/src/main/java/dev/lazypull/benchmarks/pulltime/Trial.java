package dev.lazypull.benchmarks.pulltime;

import dev.lazypull.benchmarks.link.LinkProfile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The state one JMH trial (one case, one forked JVM) shares between its runs: the testbed, the
 * pull method and the node directory, plus the bookkeeping of each run for {@link RunLog}. The
 * benchmark classes only say what is timed.
 */
final class Trial implements AutoCloseable {
  private final String benchmark;
  private final String method;
  private final Testbed testbed;
  private final PullMethod pull;
  private final Path nodeDir;
  private final Path results;
  private int runs;
  private double load1;
  private long startNanos;
  private double seconds;
  private long linkBytes;
  private boolean closed;

  private Trial(String benchmark, String method, Testbed testbed, PullMethod pull, Path nodeDir, Path results) {
    this.benchmark = benchmark;
    this.method = method;
    this.testbed = testbed;
    this.pull = pull;
    this.nodeDir = nodeDir;
    this.results = results;
  }

  static Trial start(String benchmark, String method, LinkProfile link, List<BenchImage> images) throws IOException, InterruptedException {
    Path results = RunLog.resultsDir();
    Testbed testbed = Testbed.start(link, images);
    try {
      Path nodeDir = Files.createTempDirectory("lazypull-bench-node-");
      Trial trial = new Trial(benchmark, method, testbed, PullMethod.of(method, testbed, nodeDir), nodeDir, results);
      // A JVM that ends without the trial's tear-down (JMH's -foe exits on a failed run) must not
      // leave its containerd and agent running to load every later trial.
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        try {
          trial.close();
        } catch (Exception e) {
          System.err.println("closing the trial at exit: " + e);
        }
      }, "pulltime-trial-exit"));
      return trial;
    } catch (IOException | InterruptedException | RuntimeException e) {
      testbed.close();
      throw e;
    }
  }

  PullMethod pull() {
    return pull;
  }

  /** Untimed: a pull and run whose only purpose is to leave the node's caches warm. */
  void untimedRun(BenchImage image, Workload workload) throws IOException, InterruptedException {
    pull.pullAndRun(image, workload, "warmup-" + runs);
    pull.release();
  }

  /** Untimed, just before a timed run: the page cache goes, so no run reads another's pages. */
  void beforeRun() throws IOException, InterruptedException {
    Commands.run("sync");
    Files.writeString(Path.of("/proc/sys/vm/drop_caches"), "3");
    load1 = MachineLoad.sample().load1();
  }

  /**
   * The timed part: pull (or mount) and run the workload once. The bytes the link carried
   * meanwhile are what this run fetched, for every method alike.
   */
  void timedRun(BenchImage image, Workload workload) throws IOException, InterruptedException {
    long linkBefore = testbed.bytesDownstream();
    startNanos = System.nanoTime();
    pull.pullAndRun(image, workload, "run-" + runs);
    seconds = (System.nanoTime() - startNanos) / 1e9;
    linkBytes = testbed.bytesDownstream() - linkBefore;
  }

  /**
   * Untimed, after the run: unmounts and logs what it cost. A warm-up run (JMH's warm-up
   * iteration: the same steps, so that class loading and JIT of the harness and of an in-process
   * mount are not in the first measured run) is not logged.
   */
  void afterRun(boolean warmup, BenchImage image, String cache, Workload workload, long imageBytes) throws IOException, InterruptedException {
    PullMethod.Cost cost = pull.release();
    if (warmup) {
      System.out.printf(java.util.Locale.ROOT, "%n  (warm-up) %s %s %s: %.2f s%n", method, image.name(), cache, seconds);
      return;
    }
    RunLog.append(results, new RunRecord(benchmark, image.name(), method, cache,
        workload.name().toLowerCase(java.util.Locale.ROOT), runs, seconds, cost.mountSeconds(), cost.bytesFetched(),
        cost.rangeRequests(), cost.bytesRead(), linkBytes, imageBytes, load1,
        testbed.measuredLink().megabitsPerSecond(), testbed.measuredLink().rtt().toNanos() / 1e6));
    System.out.printf(java.util.Locale.ROOT,
        "%n  %s %s %s %s: %.2f s (pull/mount %.2f s), fetched %d bytes in %d range requests, %d bytes over the link, load %.2f%n",
        method, image.name(), cache, workload.display(), seconds, cost.mountSeconds(), cost.bytesFetched(), cost.rangeRequests(), linkBytes, load1);
    runs++;
  }

  @Override
  public synchronized void close() throws IOException, InterruptedException {
    if (closed) {
      return;
    }
    closed = true;
    try (Testbed t = testbed) {
      pull.close();
    } finally {
      Commands.run("rm", "-rf", "--one-file-system", nodeDir.toString());
    }
  }
}
