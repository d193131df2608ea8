package dev.lazypull.cli.agent;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lazypull.agent.AgentPaths;
import dev.lazypull.agent.control.ControlClient;
import dev.lazypull.agent.control.ControlReply;
import dev.lazypull.agent.control.ControlRequest;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The commands' side of the agent: {@code lazypull mount/umount/stats} send their request to the
 * agent of a run directory; {@code mount} first starts one in the background when none runs.
 */
public final class AgentClient {
  private AgentClient() {}

  /** The agent refused the request; its message says why. */
  public static final class RefusedException extends IOException {
    RefusedException(String message) {
      super(message);
    }
  }

  /** The agent's result for {@code request}; throws {@link RefusedException} with its message, or {@link ControlClient.AgentUnavailableException}. */
  public static JsonNode request(Path runDir, ControlRequest request) throws IOException {
    AgentPaths paths = new AgentPaths(Path.of(AgentPaths.DEFAULT_ROOT), runDir);
    return switch (ControlClient.send(paths.controlSocket(), request)) {
      case ControlReply.Ok ok -> ok.result();
      case ControlReply.Error e -> throw new RefusedException(e.message());
    };
  }

  /**
   * Waits until the agent of {@code runDir} (the pid in its lock file) has exited, at most {@code
   * limit}; true when it has. An agent that stops on its own finishes its cache writes and closes
   * its database first, so a caller may remove its root after this.
   */
  public static boolean awaitAgentExit(Path runDir, java.time.Duration limit) throws IOException {
    Path lock = new AgentPaths(Path.of(AgentPaths.DEFAULT_ROOT), runDir).lockFile();
    long pid;
    try {
      pid = Long.parseLong(java.nio.file.Files.readString(lock, java.nio.charset.StandardCharsets.UTF_8).strip());
    } catch (java.nio.file.NoSuchFileException | NumberFormatException gone) {
      return true;
    }
    java.util.Optional<ProcessHandle> agent = ProcessHandle.of(pid);
    if (agent.isEmpty()) {
      return true;
    }
    try {
      agent.get().onExit().get(limit.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
      return true;
    } catch (java.util.concurrent.TimeoutException e) {
      return false;
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IOException("waiting for agent " + pid + " to exit: " + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /**
   * Like {@link #request}, starting an agent with {@code launch} first when none answers (and
   * once more when the one that answered was stopping, as an agent started in the background
   * does when its last mount goes).
   */
  public static JsonNode requestStarting(Path runDir, ControlRequest request, BackgroundAgent launch) throws IOException {
    for (int attempt = 0; ; attempt++) {
      try {
        return request(runDir, request);
      } catch (ControlClient.AgentUnavailableException e) {
        if (attempt >= 2) {
          throw e;
        }
        launch.start();
      } catch (RefusedException e) {
        if (attempt >= 2 || !e.getMessage().startsWith(dev.lazypull.agent.mounts.MountRegistry.STOPPING)) {
          throw e;
        }
        launch.start();
      }
    }
  }
}
