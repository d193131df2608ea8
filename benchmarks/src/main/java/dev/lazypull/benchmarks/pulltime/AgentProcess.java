package dev.lazypull.benchmarks.pulltime;

import dev.lazypull.agent.AgentPaths;
import dev.lazypull.cli.Main;
import dev.lazypull.cli.agent.BackgroundAgent;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code lazypull agent --root ROOT --run-dir RUN} as a node runs it: its own JVM, started before
 * containerd uses it and kept for the trial, so no timed run pays its start. Its output goes to
 * {@code RUN/agent.log}. Ready, as for systemd, once its containerd.sock accepts connections.
 */
final class AgentProcess implements AutoCloseable {
  private static final long READY_SECONDS = 120;
  private static final long WARM_UP_SECONDS = 60;
  /** What the agent logs when its warm-up has ended, however it ended (AgentWarmUp). */
  private static final String WARMED_UP = "lazypull agent warmed up";
  private final AgentPaths paths;
  private final Process process;
  private final long logStart;

  private AgentProcess(AgentPaths paths, Process process, long logStart) {
    this.paths = paths;
    this.process = process;
    this.logStart = logStart;
  }

  static AgentProcess start(AgentPaths paths) throws IOException, InterruptedException {
    // The agent refuses a run directory others can enter (its sockets answer whoever reaches them).
    Files.createDirectories(paths.runDir(), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    Files.createDirectories(paths.root());
    List<String> command = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "--enable-native-access=ALL-UNNAMED", "-Xmx1536m"));
    // JVM flags of the agent, e.g. -Dlazypull.bench.agentJvmArgs=-Djava.util.logging.config.file=debug.properties
    // (the Snapshots calls' times are logged at debug level).
    command.addAll(words(System.getProperty("lazypull.bench.agentJvmArgs", "")));
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(),
        "agent", "--root", paths.root().toString(), "--run-dir", paths.runDir().toString()));
    // Agent flags for one run of the harness, e.g. -Dlazypull.bench.agentArgs=--no-background-fetch.
    command.addAll(words(System.getProperty("lazypull.bench.agentArgs", "")));
    long logStart = Files.exists(paths.backgroundLog()) ? Files.size(paths.backgroundLog()) : 0;
    Process p = new ProcessBuilder(command)
        .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
        .redirectOutput(ProcessBuilder.Redirect.appendTo(paths.backgroundLog().toFile()))
        .redirectErrorStream(true)
        .start();
    AgentProcess agent = new AgentProcess(paths, p, logStart);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(READY_SECONDS);
    while (!BackgroundAgent.isReady(paths)) {
      if (!p.isAlive() || System.nanoTime() > deadline) {
        agent.close();
        throw new IOException("lazypull agent " + (p.isAlive() ? "not ready within " + READY_SECONDS + " s" : "exited " + p.exitValue())
            + "; its log:\n" + agent.logTail());
      }
      Thread.sleep(20);
    }
    return agent;
  }

  /**
   * Waits until the agent's warm-up (run once it is ready, before it serves any image) has ended:
   * a node's agent starts at boot, long before a pull, so a cold run begins with an agent that is
   * up and warmed, has served no image, and has an empty cache. Returns at once for an agent run
   * with {@code --no-warm-up}.
   */
  void awaitWarmUp() throws IOException, InterruptedException {
    if (words(System.getProperty("lazypull.bench.agentArgs", "")).contains("--no-warm-up")) {
      return;
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WARM_UP_SECONDS);
    while (!logSinceStart().contains(WARMED_UP)) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        throw new IOException("lazypull agent " + (process.isAlive() ? "did not end its warm-up within " + WARM_UP_SECONDS + " s"
            : "exited " + process.exitValue()) + "; its log:\n" + logTail());
      }
      Thread.sleep(50);
    }
  }

  private String logSinceStart() throws IOException {
    try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(paths.backgroundLog())) {
      long n = Math.max(0, ch.size() - logStart);
      java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate((int) Math.min(n, 1 << 20));
      ch.read(b, logStart);
      return new String(b.array(), 0, b.position(), java.nio.charset.StandardCharsets.UTF_8);
    }
  }

  private static List<String> words(String text) {
    return text.isBlank() ? List.of() : List.of(text.strip().split("\\s+"));
  }

  AgentPaths paths() {
    return paths;
  }

  String logTail() {
    try {
      List<String> lines = Files.readAllLines(paths.backgroundLog());
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  /**
   * SIGTERM: the agent exits, leaving any mount it still serves kept for a next agent (a trial removes
   * its images first); SIGKILL if it has not within a minute.
   */
  @Override
  public void close() throws IOException, InterruptedException {
    process.destroy();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      System.out.println("  note: lazypull agent did not stop within 60 s of SIGTERM; killing it. Its log:\n" + logTail());
      process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
    keepLog();
  }

  /** The agent's log goes with the trial's node directory: a copy stays in the results, for the call times. */
  private void keepLog() {
    try {
      Path dir = Files.createDirectories(RunLog.resultsDir().resolve("agent-logs"));
      Files.copy(paths.backgroundLog(), dir.resolve("agent-" + process.pid() + ".log"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      System.out.println("  note: the lazypull agent's log was not kept: " + e.getMessage());
    }
  }
}
