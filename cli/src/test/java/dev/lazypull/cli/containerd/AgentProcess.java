package dev.lazypull.cli.containerd;

import dev.lazypull.agent.containerd.SocketWarmUp;
import dev.lazypull.agent.control.ControlRequest;
import dev.lazypull.cli.Main;
import dev.lazypull.cli.agent.AgentClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code lazypull agent --root ROOT --run-dir RUN} in a child JVM, its
 * output appended to a log file: the real node agent, stopped by SIGTERM or SIGKILL.
 */
final class AgentProcess implements AutoCloseable {
  private final Process process;
  private final Path log;
  private final Path runDir;

  private AgentProcess(Process process, Path log, Path runDir) {
    this.process = process;
    this.log = log;
    this.runDir = runDir;
  }

  static AgentProcess start(Path root, Path runDir, Path log) throws IOException, InterruptedException {
    String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    return start(List.of("-cp", classpath, Main.class.getName()), root, runDir, log);
  }

  /** The agent of the build {@code jar} (the shaded {@code lazypull-cli-all.jar}, or a copy of it: an upgrade). */
  static AgentProcess startJar(Path jar, Path root, Path runDir, Path log) throws IOException, InterruptedException {
    return start(List.of("-jar", jar.toString()), root, runDir, log);
  }

  private static AgentProcess start(List<String> program, Path root, Path runDir, Path log)
      throws IOException, InterruptedException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = new java.util.ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED"));
    cmd.addAll(program);
    cmd.addAll(List.of("agent", "--root", root.toString(), "--run-dir", runDir.toString()));
    Process p = new ProcessBuilder(cmd)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .start();
    Path socket = runDir.resolve("containerd.sock");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (true) {
      if (!p.isAlive() || System.nanoTime() > deadline) {
        p.destroyForcibly();
        throw new IOException("lazypull agent did not start:\n" + Files.readString(log));
      }
      if (Files.exists(socket)) {
        try {
          SocketWarmUp.warmUp(socket, Duration.ofSeconds(10));
          return new AgentProcess(p, log, runDir);
        } catch (IOException notYet) {
          // the socket of an earlier agent, or not serving yet
        }
      }
      Thread.sleep(100);
    }
  }

  /** The socket containerd connects to: the agent's containerd.sock under {@code runDir}. */
  static Path socket(Path runDir) {
    return runDir.resolve("containerd.sock");
  }

  String log() throws IOException {
    return Files.readString(log, StandardCharsets.UTF_8);
  }

  /** SIGTERM: the agent exits, leaving its mounts (kept) for the next agent. */
  void terminate() throws InterruptedException, IOException {
    process.destroy();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      throw new IOException("lazypull agent did not stop on SIGTERM:\n" + log());
    }
  }

  /** kill -9: no chance to clean up; its kept FUSE mounts wait for the next agent. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  /**
   * The end of a test: every mount unmounted (SIGTERM alone would leave them kept for a next agent
   * that never comes, and a stat of them would wait), then SIGTERM.
   */
  @Override
  public void close() throws InterruptedException, IOException {
    if (process.isAlive()) {
      try {
        for (com.fasterxml.jackson.databind.JsonNode m : AgentClient.request(runDir, new ControlRequest.ListMounts())) {
          AgentClient.request(runDir, new ControlRequest.Umount(Path.of(m.path("mountPoint").asText())));
        }
      } catch (IOException e) {
        System.out.println("unmounting the agent's mounts at the end: " + e.getMessage());
      }
      terminate();
    }
  }
}
