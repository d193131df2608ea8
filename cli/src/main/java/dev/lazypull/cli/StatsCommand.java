package dev.lazypull.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lazypull.snapshotter.control.ControlClient;
import dev.lazypull.snapshotter.control.ControlServer;
import dev.lazypull.snapshotter.control.RunDirectory;
import dev.lazypull.snapshotter.stats.StatsSnapshot;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lazypull stats DIR}: the read path's counters of a mount. */
@Command(name = "stats", header = "Show a lazy mount's fetch, cache and latency counters.", mixinStandardHelpOptions = true,
    description = "Show a lazy mount's counters: bytes and chunks fetched, range requests, cache hits and misses, "
        + "bytes served, verification failures, read latency percentiles.")
public final class StatsCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "DIR", description = "the mount point")
  Path dir;

  @Option(names = "--json", description = "print one JSON object")
  boolean json;

  @Override
  public Integer call() {
    try {
      return run();
    } catch (IOException | IllegalArgumentException e) {
      spec.commandLine().getErr().println("lazypull stats: " + e.getMessage());
      return 1;
    }
  }

  private int run() throws IOException {
    Path mountPoint = dir.toAbsolutePath().normalize();
    String answer;
    try {
      answer = ControlClient.request(RunDirectory.of(mountPoint).controlSocket(), ControlServer.STATS);
    } catch (IOException e) {
      throw new IOException(mountPoint + " is not served by a lazypull mount daemon: " + e.getMessage(), e);
    }
    if (json) {
      spec.commandLine().getOut().println(answer);
    } else {
      Map<String, Long> values = new ObjectMapper().readValue(answer, new TypeReference<Map<String, Long>>() {});
      spec.commandLine().getOut().print(StatsSnapshot.fromMap(values).toTable());
      spec.commandLine().getOut().flush();
    }
    return 0;
  }
}
