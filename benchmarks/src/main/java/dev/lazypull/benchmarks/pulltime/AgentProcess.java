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
  private final AgentPaths paths;
  private final Process process;

  private AgentProcess(AgentPaths paths, Process process) {
    this.paths = paths;
    this.process = process;
  }

  static AgentProcess start(AgentPaths paths) throws IOException, InterruptedException {
    // The agent refuses a run directory others can enter (its sockets answer whoever reaches them).
    Files.createDirectories(paths.runDir(), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    Files.createDirectories(paths.root());
    List<String> command = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "--enable-native-access=ALL-UNNAMED", "-Xmx1536m", "-cp", System.getProperty("java.class.path"), Main.class.getName(),
        "agent", "--root", paths.root().toString(), "--run-dir", paths.runDir().toString()));
    // Agent flags for one run of the harness, e.g. -Dlazypull.bench.agentArgs=--no-background-fetch.
    String extra = System.getProperty("lazypull.bench.agentArgs", "").strip();
    if (!extra.isEmpty()) {
      command.addAll(List.of(extra.split("\\s+")));
    }
    Process p = new ProcessBuilder(command)
        .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
        .redirectOutput(ProcessBuilder.Redirect.appendTo(paths.backgroundLog().toFile()))
        .redirectErrorStream(true)
        .start();
    AgentProcess agent = new AgentProcess(paths, p);
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
  }
}
