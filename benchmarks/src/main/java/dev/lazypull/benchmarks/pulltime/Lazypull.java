package dev.lazypull.benchmarks.pulltime;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lazypull.cli.Main;
import dev.lazypull.agent.control.ControlRequest;
import dev.lazypull.cli.agent.AgentClient;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The {@code lazypull} command as the harness runs it: in this JVM through the CLI's own entry
 * point, so a timed mount pays what {@code lazypull mount} pays (the start of the agent it starts
 * in the background when none runs) but not a JVM start for the command itself. Stats come from
 * the agent's control socket, the same answer {@code lazypull stats --json} prints.
 */
public final class Lazypull {
  private Lazypull() {}

  /** Runs {@code lazypull ARGS...}; fails naming the command when it exits non-zero. */
  public static void run(String... args) throws IOException {
    int rc = Main.commandLine().execute(args);
    if (rc != 0) {
      throw new IOException("lazypull " + String.join(" ", args) + " exited " + rc);
    }
  }

  /** What {@code lazypull stats --json DIR --run-dir RUN_DIR} prints, parsed. */
  public static JsonNode stats(Path runDir, Path mountPoint) throws IOException {
    Path dir = mountPoint.toAbsolutePath().normalize();
    return AgentClient.request(runDir, new ControlRequest.Stats(dir));
  }
}
