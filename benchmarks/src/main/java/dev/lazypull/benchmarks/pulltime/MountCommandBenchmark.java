package dev.lazypull.benchmarks.pulltime;

import dev.lazypull.agent.AgentPaths;
import dev.lazypull.agent.control.ControlRequest;
import dev.lazypull.benchmarks.link.LinkProfile;
import dev.lazypull.cli.agent.AgentClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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

/**
 * {@code lazypull mount} on a running agent, as a user runs it: the shipped launcher
 * ({@code -p launcher=PATH,...}, default {@code ./lazypull} from the repository root; several, such
 * as a checkout of the previous state's, compare side by side in one run) as a separate process,
 * against a {@code lazypull agent} started for the trial, the registry behind the link emulator.
 * Its parts, side by side in the same trial: {@code stats} (the client alone: the same launcher
 * and JVM, a request the agent answers at once) and {@code request} (the agent's side:
 * the same mount request sent from this warm JVM, registry round trips included). One invocation
 * is one mount; the mount is removed after it, untimed. Decision 0015.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
@State(Scope.Benchmark)
public class MountCommandBenchmark {
  @Param({"minbase", "python"})
  public String image;

  /** command: {@code lazypull mount} (a process); stats: {@code lazypull stats} (a process); request: the mount request from this JVM. */
  @Param({"command", "stats", "request"})
  public String method;

  @Param("1gbit")
  public String rate;

  @Param({"0ms", "10ms"})
  public String rtt;

  /** The launcher script: relative to the working directory, or absolute. */
  @Param("lazypull")
  public String launcher;

  private Path work;
  private Testbed testbed;
  private AgentProcess agent;
  private AgentPaths paths;
  private String reference;
  private Path mountPoint;
  private String command;

  @Setup(Level.Trial)
  public void start() throws IOException, InterruptedException {
    BenchImage target = BenchImages.prepare(image);
    testbed = Testbed.start(LinkProfile.parse(rate, rtt), List.of(target));
    reference = testbed.reference(target, "lazy");
    work = Files.createTempDirectory("lazypull-mount-bench-");
    paths = new AgentPaths(work.resolve("root"), work.resolve("run"));
    agent = AgentProcess.start(paths);
    agent.awaitWarmUp();
    mountPoint = work.resolve("mnt");
    command = Path.of(launcher).toAbsolutePath().toString();
    System.out.println("machine: " + MachineLoad.sample());
  }

  @Setup(Level.Iteration)
  public void emptyMountPoint() throws IOException {
    Files.createDirectories(mountPoint);
  }

  @Benchmark
  public void mount() throws IOException, InterruptedException {
    switch (method) {
      case "command" -> Commands.run(command, "mount", "--no-background-fetch", reference, mountPoint.toString(),
          "--run-dir", paths.runDir().toString());
      case "stats" -> Commands.run(command, "stats", "--run-dir", paths.runDir().toString());
      case "request" -> AgentClient.request(paths.runDir(), new ControlRequest.Mount(reference, mountPoint, List.of(), null, true, false));
      default -> throw new IllegalArgumentException("method is command, stats or request, not " + method);
    }
  }

  @TearDown(Level.Iteration)
  public void unmount() throws IOException {
    if (!method.equals("stats")) {
      AgentClient.request(paths.runDir(), new ControlRequest.Umount(mountPoint));
    }
    System.out.println("  " + MachineLoad.sample());
  }

  @TearDown(Level.Trial)
  public void stop() throws IOException, InterruptedException {
    try {
      agent.close();
    } finally {
      testbed.close();
      Commands.run("rm", "-rf", "--one-file-system", work.toString()); // never into a mount left behind
    }
  }
}
