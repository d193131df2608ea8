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
 * Time from "pull" to the first successful run of a program in the image, full pull (containerd's
 * way) against lazypull's mount, through an emulated link. One invocation of the benchmark method
 * is one pull and one run; each runs after the page cache was dropped and the node's caches were
 * set as {@code cache} says. Other figures of each run (bytes fetched, range requests, mount
 * time) go to {@code runs.jsonl}; {@link PullTimeReport} makes the table.
 *
 * <p>{@code numpy} needs an image with python3: run it on {@code python} or {@code stack}; {@code stack}
 * (python3 importing scipy, pandas and matplotlib) only on {@code stack} and {@code stack-plain}, the
 * 1.4 GB image built only when asked for (the script's {@code STACK=yes}).
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Djava.awt.headless=true"})
@State(Scope.Benchmark)
public class PullTimeBenchmark {
  @Param({"minbase", "python", "stack"})
  public String image;

  /**
   * ctr: containerd's {@code ctr image pull} + {@code ctr run} (the baseline); full: the harness's
   * own full pull; ctr-lazy: containerd with the lazypull agent as its snapshotter ({@code ctr-remote
   * image rpull} + {@code ctr run}); lazy: {@code lazypull mount}; agent: the mount in a running JVM.
   */
  @Param({"ctr", "full", "ctr-lazy", "lazy", "agent"})
  public String method;

  @Param({"cold", "warm"})
  public String cache;

  @Param({"bash", "numpy", "stack"})
  public String workload;

  /** Link rate as tc writes it. */
  @Param("1gbit")
  public String rate;

  @Param("10ms")
  public String rtt;

  private Trial trial;
  private BenchImage target;
  private Workload program;
  private CacheState cacheState;
  private long imageBytes;

  @Setup(Level.Trial)
  public void startTrial() throws IOException, InterruptedException {
    program = Workload.parse(workload);
    cacheState = CacheState.parse(cache);
    target = BenchImages.prepare(image);
    if (!target.runs(program)) {
      throw new IllegalArgumentException("image " + image + " cannot run " + program.display() + " (it runs " + target.workloads() + ")");
    }
    imageBytes = BenchImages.compressedSize(target);
    trial = Trial.start(PullTimeBenchmark.class.getSimpleName(), method, LinkProfile.parse(rate, rtt), List.of(target));
    if (cacheState == CacheState.WARM) {
      trial.pull().reset(CacheState.COLD);
      trial.untimedRun(target, program);
    }
  }

  @Setup(Level.Iteration)
  public void beforeRun() throws IOException, InterruptedException {
    trial.pull().reset(cacheState);
    trial.beforeRun();
  }

  @Benchmark
  public void timeToFirstRun() throws IOException, InterruptedException {
    trial.timedRun(target, program);
  }

  @TearDown(Level.Iteration)
  public void afterRun(IterationParams iteration) throws IOException, InterruptedException {
    trial.afterRun(iteration.getType() == IterationType.WARMUP, target, cache, program, imageBytes);
  }

  @TearDown(Level.Trial)
  public void endTrial() throws IOException, InterruptedException {
    trial.close();
  }
}
