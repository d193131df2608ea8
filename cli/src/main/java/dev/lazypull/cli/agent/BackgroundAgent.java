package dev.lazypull.cli.agent;

import dev.lazypull.agent.AgentPaths;
import dev.lazypull.cli.Main;
import dev.lazypull.format.IndexBudget;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * An agent that {@code lazypull mount} starts when none runs: this same program re-executed as
 * {@code lazypull agent --exit-when-idle}, in its own session (the terminal's signals do not reach
 * it), logging to {@code RUN_DIR/agent.log}. {@link #start} returns once the agent is ready,
 * which is when its containerd.sock accepts connections, like systemd's readiness.
 */
public record BackgroundAgent(AgentPaths paths, long cacheBytes, long memoryBytes, List<String> registryArguments) {
  /** The exit code of {@code lazypull agent} when another agent holds the run directory. */
  public static final int ALREADY_RUNNING = 3;
  private static final long READY_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(120);
  private static final Path SETSID = Path.of("/usr/bin/setsid");

  /** Starts an agent unless one is ready already; returns once one is ready. */
  public void start() throws IOException {
    Files.createDirectories(paths.runDir().getParent());
    if (!Files.isDirectory(paths.runDir())) {
      try {
        Files.createDirectory(paths.runDir(), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      } catch (java.nio.file.FileAlreadyExistsException raced) {
        // another client made it
      }
    }
    long deadline = System.nanoTime() + READY_TIMEOUT_NANOS;
    long logStart = Files.exists(paths.backgroundLog()) ? Files.size(paths.backgroundLog()) : 0;
    Process agent = null;
    while (System.nanoTime() < deadline) {
      if (isReady(paths)) {
        return;
      }
      if (agent == null) {
        agent = launch();
      } else if (!agent.isAlive()) {
        if (agent.exitValue() != ALREADY_RUNNING) {
          throw new IOException("the lazypull agent exited (code " + agent.exitValue() + ") before it was ready: "
              + lastLines(paths.backgroundLog(), logStart) + " (log: " + paths.backgroundLog() + ")");
        }
        // Another agent holds the run directory: one starting (it will be ready soon) or one
        // stopping (then start another once it has gone).
        sleep(100);
        agent = null;
        continue;
      }
      sleep(10);
    }
    if (agent != null) {
      agent.destroy();
    }
    throw new IOException("the lazypull agent was not ready within " + TimeUnit.NANOSECONDS.toSeconds(READY_TIMEOUT_NANOS)
        + " s; its log: " + paths.backgroundLog());
  }

  /** Ready means: containerd.sock accepts a connection. */
  public static boolean isReady(AgentPaths paths) {
    if (!Files.exists(paths.containerdSocket())) {
      return false;
    }
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.connect(UnixDomainSocketAddress.of(paths.containerdSocket()));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private Process launch() throws IOException {
    List<String> command = new ArrayList<>();
    if (Files.isExecutable(SETSID)) {
      command.add(SETSID.toString());
    }
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("--enable-native-access=ALL-UNNAMED");
    // The agent's own JVM flags, as the launcher gives `lazypull agent`: this client may run lean
    // ones (Serial GC, C1 only) that suit a short command, not a daemon serving reads.
    command.add("-XX:+UseZGC");
    // The memory tier, the index bound of a first mount (an image needing more is refused before
    // it allocates), and room for the request buffers.
    command.add("-Xmx" + ((memoryBytes >> 20) + (IndexBudget.DEFAULT_MAX_BYTES >> 20) + 256) + "m");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(Main.class.getName());
    command.addAll(List.of("agent", "--exit-when-idle",
        "--root", paths.root().toString(),
        "--run-dir", paths.runDir().toString(),
        "--cache-size", Long.toString(cacheBytes),
        "--memory-cache-size", Long.toString(memoryBytes)));
    command.addAll(registryArguments);
    return new ProcessBuilder(command)
        .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
        .redirectOutput(ProcessBuilder.Redirect.appendTo(paths.backgroundLog().toFile()))
        .redirectErrorStream(true)
        .start();
  }

  /** The last lines the agent wrote to its log after {@code offset}, for the error message. */
  private static String lastLines(Path log, long offset) {
    try (var ch = java.nio.channels.FileChannel.open(log)) {
      ch.position(offset);
      String text = new String(java.nio.channels.Channels.newInputStream(ch).readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      List<String> lines = text.lines().toList();
      return String.join(" | ", lines.subList(Math.max(0, lines.size() - 3), lines.size()));
    } catch (IOException e) {
      return "(no log)";
    }
  }

  private static void sleep(long millis) throws IOException {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while waiting for the agent");
    }
  }
}
