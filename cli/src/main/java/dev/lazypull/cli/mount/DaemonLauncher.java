package dev.lazypull.cli.mount;

import dev.lazypull.cli.Main;
import dev.lazypull.format.IndexBudget;
import dev.lazypull.snapshotter.control.RunDirectory;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Starts a mount daemon: this same program re-executed with {@code mount --foreground
 * --notify-ready}, in its own session (so the terminal's signals do not reach it), its stderr in
 * the mount's run directory, and waits for its handshake line on stdout: {@code READY} once the
 * mount serves, {@code ERROR msg} when it could not mount (it has then undone everything).
 */
public final class DaemonLauncher {
  private static final long READY_TIMEOUT_SECONDS = 180;
  private static final Path SETSID = Path.of("/usr/bin/setsid");

  private DaemonLauncher() {}

  public static void launch(Path mountPoint, long memoryBytes, List<String> mainArgs) throws IOException {
    RunDirectory run = RunDirectory.of(mountPoint).create();
    List<String> command = new ArrayList<>();
    if (Files.isExecutable(SETSID)) {
      command.add(SETSID.toString());
    }
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("--enable-native-access=ALL-UNNAMED");
    // The memory tier, the index's bound (an image needing more is refused before it allocates),
    // and room for the request buffers.
    command.add("-Xmx" + ((memoryBytes >> 20) + (IndexBudget.DEFAULT_MAX_BYTES >> 20) + 256) + "m");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(Main.class.getName());
    command.addAll(mainArgs);

    ProcessBuilder pb = new ProcessBuilder(command)
        .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
        .redirectError(ProcessBuilder.Redirect.appendTo(run.log().toFile()))
        .redirectOutput(ProcessBuilder.Redirect.PIPE);
    Process daemon = pb.start();
    String line = readHandshake(daemon);
    if (line != null && line.equals(MountDaemon.READY)) {
      return;
    }
    if (line != null && line.startsWith(MountDaemon.ERROR)) {
      waitFor(daemon);
      run.delete(); // the daemon undid everything; its message is the whole story
      throw new IOException(line.substring(MountDaemon.ERROR.length()));
    }
    daemon.destroy();
    int code = waitFor(daemon);
    throw new IOException("the mount daemon " + (line == null ? "exited (code " + code + ")" : "answered '" + line + "'")
        + " before the mount was ready; its log: " + run.log());
  }

  private static String readHandshake(Process daemon) throws IOException {
    BufferedReader out = new BufferedReader(new InputStreamReader(daemon.getInputStream(), StandardCharsets.UTF_8));
    Thread watchdog = Thread.ofVirtual().start(() -> {
      try {
        if (!daemon.waitFor(READY_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
          daemon.destroy(); // closes the pipe: the read below ends
        }
      } catch (InterruptedException e) {
        // The handshake arrived.
      }
    });
    try {
      return out.readLine();
    } finally {
      watchdog.interrupt();
    }
  }

  private static int waitFor(Process p) {
    try {
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return p.waitFor();
      }
      return p.exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }
}
