package dev.lazypull.cli;

import dev.lazypull.agent.AgentPaths;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * How an agent runs: its directories and cache bounds (a picocli mixin). {@code lazypull agent}
 * runs with them; {@code lazypull mount} starts an agent with them when none runs. The fields start
 * at the defaults that picocli applies too, for a mount read without picocli ({@link ClientArgs}).
 */
public final class AgentFlags {
  static final String DEFAULT_CACHE_SIZE = "10G";
  static final String DEFAULT_MEMORY_CACHE_SIZE = "256M";

  @Option(names = "--root", paramLabel = "DIR", defaultValue = AgentPaths.DEFAULT_ROOT,
      description = "the agent's state: chunk cache, database, snapshots (default: ${DEFAULT-VALUE})")
  Path root = Path.of(AgentPaths.DEFAULT_ROOT);

  @Option(names = "--run-dir", paramLabel = "DIR", defaultValue = AgentPaths.DEFAULT_RUN_DIR,
      description = "the agent's sockets: agent.sock (control), containerd.sock (default: ${DEFAULT-VALUE})")
  Path runDir = Path.of(AgentPaths.DEFAULT_RUN_DIR);

  @Option(names = "--cache-size", paramLabel = "SIZE", defaultValue = DEFAULT_CACHE_SIZE, converter = ByteSize.Converter.class,
      description = "bound of the node's disk chunk cache, e.g. 10G (default: ${DEFAULT-VALUE})")
  long cacheSize = ByteSize.parse(DEFAULT_CACHE_SIZE);

  @Option(names = "--memory-cache-size", paramLabel = "SIZE", defaultValue = DEFAULT_MEMORY_CACHE_SIZE, converter = ByteSize.Converter.class,
      description = "bound of the in-memory chunk cache (default: ${DEFAULT-VALUE})")
  long memorySize = ByteSize.parse(DEFAULT_MEMORY_CACHE_SIZE);

  AgentPaths paths() {
    return new AgentPaths(root, runDir);
  }
}
