package dev.lazypull.agent.warmup;

import dev.lazypull.agent.Agent;
import dev.lazypull.agent.AgentConfig;
import dev.lazypull.agent.AgentPaths;
import dev.lazypull.agent.snapshots.DiskUsage;
import dev.lazypull.format.IndexBudget;
import dev.lazypull.registry.RegistryOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The training run of the agent's AOT cache (JDK 25, JEP 483/514; decision 0017): the {@code
 * lazypull} launcher runs this once per jar with {@code -XX:AOTCacheOutput} before {@code lazypull
 * agent}, which then starts with the classes it loaded already parsed and linked. It starts a real
 * agent on a temporary root and run directory (lock, cache, SQLite databases, the gRPC and
 * control sockets, the snapshots service's first call) and runs the warm-up's rounds ({@link
 * AgentWarmUp}: a pull's registry requests, TOCs, merge, FUSE mount and reads on the built-in
 * image), then stops it and removes the directories. Nothing outside them is touched; without
 * FUSE (not root) the mount part is left out and the rest still trains.
 */
public final class AgentTraining {
  private AgentTraining() {}

  public static void main(String[] args) throws IOException {
    Path dir = Files.createTempDirectory("lazypull-agent-training-", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    try {
      AgentPaths paths = new AgentPaths(dir.resolve("root"), dir.resolve("run"));
      try (Agent agent = Agent.start(new AgentConfig(paths, 64L << 20, 16L << 20, null, false, RegistryOptions.defaults(),
          IndexBudget.DEFAULT_MAX_BYTES, true, true))) {
        AgentWarmUp.Result r = agent.warmedUp().join();
        System.out.println("agent training: rounds " + r.rounds() + (r.mounted() ? "" : " (without FUSE)"));
      }
    } finally {
      DiskUsage.deleteWithinFileSystem(dir);
    }
  }
}
