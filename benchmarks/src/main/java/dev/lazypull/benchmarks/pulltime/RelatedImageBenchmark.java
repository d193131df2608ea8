package dev.lazypull.benchmarks.pulltime;

import dev.lazypull.benchmarks.link.LinkProfile;
import dev.lazypull.benchmarks.pulltime.PullMethod.CacheState;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;

/**
 * A new version of an image on a node that ran the old one: the related image shares its base
 * layers and adds a new top layer. Before each run the node's caches are emptied and the base
 * image is pulled and run once (untimed); the timed run pulls the related image and runs the
 * workload. A full pull fetches and unpacks only the new layer (containerd keeps the base's blobs
 * and snapshots); lazypull fetches the chunks it has not cached.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Djava.awt.headless=true"})
@State(Scope.Benchmark)
public class RelatedImageBenchmark {
  /**
   * ctr: containerd's {@code ctr image pull} + {@code ctr run} (the baseline); full: the harness's
   * own full pull; ctr-lazy: containerd with the lazypull agent as its snapshotter ({@code ctr-remote
   * image rpull} + {@code ctr run}); lazy: {@code lazypull mount}; agent: the mount in a running JVM.
   */
  @Param({"ctr", "full", "ctr-lazy", "lazy", "agent"})
  public String method;

  @Param({"bash", "numpy"})
  public String workload;

  @Param("1gbit")
  public String rate;

  @Param("10ms")
  public String rtt;

  private Trial trial;
  private BenchImage base;
  private BenchImage related;
  private Workload program;
  private long imageBytes;

  @Setup(Level.Trial)
  public void startTrial() throws IOException, InterruptedException {
    program = Workload.parse(workload);
    base = BenchImages.prepare(BenchImages.RELATED_BASE);
    related = BenchImages.prepare(BenchImages.RELATED);
    imageBytes = BenchImages.compressedSize(related);
    trial = Trial.start(RelatedImageBenchmark.class.getSimpleName(), method, LinkProfile.parse(rate, rtt), List.of(base, related));
  }

  @Setup(Level.Iteration)
  public void beforeRun() throws IOException, InterruptedException {
    trial.pull().reset(CacheState.COLD);
    trial.untimedRun(base, program);
    trial.beforeRun();
  }

  @Benchmark
  public void timeToFirstRun() throws IOException, InterruptedException {
    trial.timedRun(related, program);
  }

  @TearDown(Level.Iteration)
  public void afterRun(IterationParams iteration) throws IOException, InterruptedException {
    trial.afterRun(iteration.getType() == IterationType.WARMUP, related, "base cached", program, imageBytes);
  }

  @TearDown(Level.Trial)
  public void endTrial() throws IOException, InterruptedException {
    trial.close();
  }
}
