package dev.lazypull.cli;

import dev.lazypull.agent.AgentPaths;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * How an agent runs: its directories and cache bounds (a picocli mixin). {@code lazypull agent}
 * runs with them; {@code lazypull mount} starts an agent with them when none runs.
 */
public final class AgentFlags {
  @Option(names = "--root", paramLabel = "DIR", defaultValue = AgentPaths.DEFAULT_ROOT,
      description = "the agent's state: chunk cache, database, snapshots (default: ${DEFAULT-VALUE})")
  Path root;

  @Option(names = "--run-dir", paramLabel = "DIR", defaultValue = AgentPaths.DEFAULT_RUN_DIR,
      description = "the agent's sockets: agent.sock (control), containerd.sock (default: ${DEFAULT-VALUE})")
  Path runDir;

  @Option(names = "--cache-size", paramLabel = "SIZE", defaultValue = "10G", converter = ByteSize.class,
      description = "bound of the node's disk chunk cache, e.g. 10G (default: ${DEFAULT-VALUE})")
  long cacheSize;

  @Option(names = "--memory-cache-size", paramLabel = "SIZE", defaultValue = "256M", converter = ByteSize.class,
      description = "bound of the in-memory chunk cache (default: ${DEFAULT-VALUE})")
  long memorySize;

  AgentPaths paths() {
    return new AgentPaths(root, runDir);
  }
}
