package dev.lazypull.cli.containerd;

import dev.lazypull.agent.containerd.SocketWarmUp;
import dev.lazypull.cli.Main;
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

  private AgentProcess(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  static AgentProcess start(Path root, Path runDir, Path log) throws IOException, InterruptedException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    Process p = new ProcessBuilder(List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp", classpath, Main.class.getName(),
        "agent", "--root", root.toString(), "--run-dir", runDir.toString()))
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
          return new AgentProcess(p, log);
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

  /** SIGTERM: the agent unmounts its lazy chains and exits. */
  void terminate() throws InterruptedException, IOException {
    process.destroy();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      throw new IOException("lazypull agent did not stop on SIGTERM:\n" + log());
    }
  }

  /** kill -9: no chance to clean up; its FUSE mounts stay behind, dead. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws InterruptedException, IOException {
    if (process.isAlive()) {
      terminate();
    }
  }
}
