package dev.lazypull.testkit.containerd;

import dev.lazypull.testkit.images.Commands;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A private containerd (Debian's 1.6) for tests: its own root, state, socket and config in a
 * directory of the test's, never the system service. Snapshotters served by the test are
 * registered as proxy plugins ({@code [proxy_plugins.NAME] type = "snapshot"}).
 *
 * <pre>{@code
 * try (ContainerdServer containerd = ContainerdServer.builder(dir).proxySnapshotter("lazypull", socket).start()) {
 *   containerd.ctr("snapshots", "--snapshotter", "lazypull", "ls");
 * }
 * }</pre>
 *
 * The CRI plugin is off unless {@link Builder#cri} turns it on. Runs as root (containerd and runc need it).
 */
public final class ContainerdServer implements AutoCloseable {
  public static final Path BINARY = Path.of("/usr/bin/containerd");
  public static final String NAMESPACE = "lazypull-test";
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  private final Process process;
  private final Path dir;
  private final Path socket;

  private ContainerdServer(Process process, Path dir, Path socket) {
    this.process = process;
    this.dir = dir;
    this.socket = socket;
  }

  public static Builder builder(Path dir) {
    return new Builder(dir);
  }

  /** containerd's gRPC socket. */
  public Path socket() {
    return socket;
  }

  /** containerd's root directory (content store, metadata, its own snapshotters). */
  public Path root() {
    return dir.resolve("root");
  }

  public Path log() {
    return dir.resolve("containerd.log");
  }

  /** Runs {@code ctr} against this containerd, in namespace {@value #NAMESPACE}; returns stdout and stderr. */
  public String ctr(String... args) throws IOException {
    return tool(List.of("ctr"), NAMESPACE, args);
  }

  /** Runs {@code ctr} in containerd namespace {@code namespace} (the CRI plugin's is {@code k8s.io}). */
  public String ctrIn(String namespace, String... args) throws IOException {
    return tool(List.of("ctr"), namespace, args);
  }

  /** Runs stargz-snapshotter's {@code ctr-remote} against this containerd (its {@code image rpull} sends the remote-snapshot labels). */
  public String ctrRemote(String... args) throws IOException {
    return tool(List.of("ctr-remote"), NAMESPACE, args);
  }

  private String tool(List<String> tool, String namespace, String... args) throws IOException {
    List<String> argv = new ArrayList<>(tool);
    argv.addAll(List.of("--address", socket.toString(), "--namespace", namespace));
    argv.addAll(List.of(args));
    try {
      return Commands.run(600, null, Map.of("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"), argv);
    } catch (IOException e) {
      throw new IOException(e.getMessage() + "\ncontainerd log (tail):\n" + logTail(), e);
    }
  }

  /** The last lines of containerd's log, for failure messages. */
  public String logTail() {
    try {
      List<String> lines = Files.readAllLines(log());
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  /** Stops containerd (SIGTERM, then SIGKILL), and unmounts whatever it left mounted under its directories. */
  @Override
  public void close() throws IOException {
    process.destroy();
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo")).reversed()) {
      String[] f = line.split(" ");
      if (f.length > 4 && f[4].startsWith(dir.toString() + "/")) {
        try {
          Commands.run(30, "umount", "-l", f[4]);
        } catch (IOException alreadyGone) {
          // unmounted with its parent
        }
      }
    }
  }

  public static final class Builder {
    private final Path dir;
    private final Map<String, Path> proxySnapshotters = new LinkedHashMap<>();
    private final List<String> criLines = new ArrayList<>();
    private final List<String> plainHttpRegistries = new ArrayList<>();
    private boolean cri;

    private Builder(Path dir) {
      this.dir = dir;
    }

    /** Registers a proxy snapshotter {@code name} served on {@code socket}. */
    public Builder proxySnapshotter(String name, Path socket) {
      proxySnapshotters.put(name, socket);
      return this;
    }

    /**
     * Turns the CRI plugin on, with {@code snapshotter} as its snapshotter and
     * {@code disable_snapshot_annotations = false}, so that a CRI pull sends the layer labels.
     */
    public Builder cri(String snapshotter) {
      cri = true;
      criLines.add("[plugins.\"io.containerd.grpc.v1.cri\"]");
      criLines.add("  disable_apparmor = true");
      criLines.add("  restrict_oom_score_adj = true");
      criLines.add("  disable_cgroup = false");
      criLines.add("[plugins.\"io.containerd.grpc.v1.cri\".containerd]");
      criLines.add("  snapshotter = \"" + snapshotter + "\"");
      criLines.add("  disable_snapshot_annotations = false");
      criLines.add("[plugins.\"io.containerd.grpc.v1.cri\".registry]");
      criLines.add("  config_path = \"" + dir.resolve("certs.d") + "\"");
      return this;
    }

    /** Lets the CRI plugin pull from {@code hostPort} over plain HTTP (a hosts.toml in its config_path). */
    public Builder plainHttpRegistry(String hostPort) {
      plainHttpRegistries.add(hostPort);
      return this;
    }

    public ContainerdServer start() throws IOException {
      for (String host : plainHttpRegistries) {
        Path hosts = Files.createDirectories(dir.resolve("certs.d").resolve(host)).resolve("hosts.toml");
        Files.writeString(hosts, "server = \"http://" + host + "\"\n\n[host.\"http://" + host + "\"]\n"
            + "  capabilities = [\"pull\", \"resolve\"]\n");
      }
      if (!Files.isExecutable(BINARY)) {
        throw new IOException(BINARY + " is missing: install Debian's containerd and runc (apt-get install containerd runc)");
      }
      Files.createDirectories(dir);
      Path socket = dir.resolve("containerd.sock");
      List<String> toml = new ArrayList<>(List.of(
          "version = 2",
          "root = \"" + dir.resolve("root") + "\"",
          "state = \"" + dir.resolve("state") + "\"",
          cri ? "disabled_plugins = []" : "disabled_plugins = [\"io.containerd.grpc.v1.cri\"]",
          "[grpc]",
          "  address = \"" + socket + "\"",
          "[ttrpc]",
          "  address = \"" + dir.resolve("containerd.sock.ttrpc") + "\"",
          "[debug]",
          "  level = \"debug\""));
      for (Map.Entry<String, Path> p : proxySnapshotters.entrySet()) {
        toml.add("[proxy_plugins." + p.getKey() + "]");
        toml.add("  type = \"snapshot\"");
        toml.add("  address = \"" + p.getValue() + "\"");
      }
      toml.addAll(criLines);
      Path config = dir.resolve("config.toml");
      Files.writeString(config, String.join("\n", toml) + "\n");
      Process p = new ProcessBuilder(BINARY.toString(), "--config", config.toString())
          .redirectErrorStream(true)
          .redirectOutput(dir.resolve("containerd.log").toFile())
          .start();
      ContainerdServer server = new ContainerdServer(p, dir, socket);
      long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
      while (true) {
        if (!p.isAlive()) {
          throw new IOException("containerd exited with " + p.exitValue() + ":\n" + server.logTail());
        }
        if (Files.exists(socket)) {
          try {
            Commands.run(20, "ctr", "--address", socket.toString(), "version");
            return server;
          } catch (IOException notYet) {
            // still starting
          }
        }
        if (System.nanoTime() > deadline) {
          server.close();
          throw new IOException("containerd did not answer on " + socket + " within " + START_TIMEOUT + ":\n" + server.logTail());
        }
        try {
          Thread.sleep(100);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          server.close();
          throw new IOException("interrupted while starting containerd", e);
        }
      }
    }
  }
}
