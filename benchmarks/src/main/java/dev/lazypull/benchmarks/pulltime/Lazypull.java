package dev.lazypull.benchmarks.pulltime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lazypull.cli.Main;
import dev.lazypull.snapshotter.control.ControlClient;
import dev.lazypull.snapshotter.control.ControlServer;
import dev.lazypull.snapshotter.control.RunDirectory;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The {@code lazypull} command as the harness runs it: in this JVM through the CLI's own entry
 * point, so a timed mount pays what {@code lazypull mount} pays (its daemon's start included) but
 * not a JVM start for the command itself, which a node agent would not pay either. Stats come
 * from the mount daemon's control socket, the same answer {@code lazypull stats --json} prints.
 */
public final class Lazypull {
  private static final ObjectMapper JSON = new ObjectMapper();

  private Lazypull() {}

  /** Runs {@code lazypull ARGS...}; fails naming the command when it exits non-zero. */
  public static void run(String... args) throws IOException {
    int rc = Main.commandLine().execute(args);
    if (rc != 0) {
      throw new IOException("lazypull " + String.join(" ", args) + " exited " + rc);
    }
  }

  /** What {@code lazypull stats --json DIR} prints, parsed. */
  public static JsonNode stats(Path mountPoint) throws IOException {
    Path dir = mountPoint.toAbsolutePath().normalize();
    return JSON.readTree(ControlClient.request(RunDirectory.of(dir).controlSocket(), ControlServer.STATS));
  }
}
