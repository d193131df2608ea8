package dev.lazypull.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lazypull.agent.AgentPaths;
import dev.lazypull.agent.control.ControlClient;
import dev.lazypull.agent.control.ControlRequest;
import dev.lazypull.cli.agent.AgentClient;
import dev.lazypull.fuse.FuseMount;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code lazypull umount DIR}: asks the agent to unmount a lazy image. */
@Command(name = "umount", header = "Unmount a lazy image served by the node agent.", mixinStandardHelpOptions = true,
    description = "Unmount a lazy image mounted by `lazypull mount`. An agent that `lazypull mount` started stops "
        + "when its last mount goes, and umount returns once it has exited. A mount left behind by an agent that died is removed too.")
public final class UmountCommand implements Callable<Integer>, ClientCommand {

  /** How long umount waits for a background agent to finish once its last mount went. */
  private static final Duration AGENT_EXIT_LIMIT = Duration.ofSeconds(30);
  /** How long a mount may take to answer a stat before it counts as served by nobody. */
  private static final Duration UNSERVED_LIMIT = Duration.ofSeconds(2);

  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "DIR", description = "the mount point")
  Path dir;

  @Option(names = "--run-dir", paramLabel = "DIR", defaultValue = AgentPaths.DEFAULT_RUN_DIR,
      description = "the agent's run directory (default: ${DEFAULT-VALUE})")
  Path runDir = Path.of(AgentPaths.DEFAULT_RUN_DIR);

  @Override
  public Integer call() {
    return run(spec.commandLine().getOut(), spec.commandLine().getErr());
  }

  @Override
  public int run(PrintWriter out, PrintWriter err) {
    try {
      return umount(out, err);
    } catch (IOException | IllegalArgumentException e) {
      err.println("lazypull umount: " + e.getMessage());
      return 1;
    }
  }

  private int umount(PrintWriter out, PrintWriter err) throws IOException {
    // Not stat'ed first: a mount kept for an agent that is not running answers no stat.
    Path mountPoint = dir.toAbsolutePath().normalize();
    Duration unserved;
    try {
      JsonNode reply = AgentClient.request(runDir, new ControlRequest.Umount(mountPoint));
      out.println("unmounted " + mountPoint);
      if (reply.path("agentStopping").asBoolean() && !AgentClient.awaitAgentExit(runDir, AGENT_EXIT_LIMIT)) {
        err.println("lazypull umount: the agent is still stopping after "
            + AGENT_EXIT_LIMIT.toSeconds() + " s (see " + runDir.resolve("agent.log") + ")");
      }
      return 0;
    } catch (ControlClient.AgentUnavailableException noAgent) {
      // No agent answers: a mount kept for one (its reads waiting for the next agent) answers no
      // stat either, and goes as a dead one does.
      unserved = UNSERVED_LIMIT;
    } catch (AgentClient.RefusedException notItsMount) {
      unserved = null; // an agent runs: a mount that is slow to answer may be another's, alive
    }
    if (FuseMount.unmountStale(mountPoint, unserved)) {
      out.println("removed the stale mount at " + mountPoint + " (the agent serving it had died)");
      return 0;
    }
    if (!Files.exists(mountPoint)) {
      throw new IOException(mountPoint + " does not exist");
    }
    throw new IOException(mountPoint + " is not a lazypull mount");
  }
}
