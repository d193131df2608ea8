package dev.lazypull.agent.containerd;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** {@link SnapshotterMain} in a child JVM, with its output in a log file; stopped by SIGTERM or SIGKILL. */
final class SnapshotterProcess implements AutoCloseable {
  private final Process process;
  private final Path log;

  private SnapshotterProcess(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  static SnapshotterProcess start(Path root, Path socket, Path cache, Path log) throws IOException, InterruptedException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    Process p = new ProcessBuilder(List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp", classpath,
        SnapshotterMain.class.getName(), root.toString(), socket.toString(), cache.toString()))
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (!Files.readString(log).contains("READY")) {
      if (!p.isAlive() || System.nanoTime() > deadline) {
        p.destroyForcibly();
        throw new IOException("snapshotter did not start:\n" + Files.readString(log));
      }
      Thread.sleep(100);
    }
    // the next start's READY must be told apart from this one
    Files.writeString(log, Files.readString(log).replace("READY", "ready (started)"));
    return new SnapshotterProcess(p, log);
  }

  String log() throws IOException {
    return Files.readString(log, StandardCharsets.UTF_8);
  }

  /** SIGTERM: the snapshotter unmounts its lazy chains and exits. */
  void terminate() throws InterruptedException, IOException {
    process.destroy();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      throw new IOException("snapshotter did not stop on SIGTERM:\n" + log());
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
