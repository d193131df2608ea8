package dev.lazypull.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lazypull.agent.AgentPaths;
import dev.lazypull.agent.control.ControlJson;
import dev.lazypull.agent.control.ControlRequest;
import dev.lazypull.cli.agent.AgentClient;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code lazypull stats [DIR]}: the read path's counters of a mount, or of the whole node. */
@Command(name = "stats", header = "Show a lazy mount's (or the node's) fetch, cache and latency counters.", mixinStandardHelpOptions = true,
    description = "Show the agent's counters for the mount at DIR, or the node's totals without DIR: bytes and chunks "
        + "fetched, range requests, cache hits and misses, bytes served, verification failures, read latency percentiles.")
public final class StatsCommand implements Callable<Integer>, ClientCommand {

  @Spec CommandSpec spec;

  @Parameters(index = "0", arity = "0..1", paramLabel = "DIR", description = "the mount point (default: the node's totals)")
  Path dir;

  @Option(names = "--json", description = "print one JSON object")
  boolean json;

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
      return stats(out);
    } catch (IOException | IllegalArgumentException e) {
      err.println("lazypull stats: " + e.getMessage());
      return 1;
    }
  }

  private int stats(PrintWriter out) throws IOException {
    Path mountPoint = dir == null ? null : dir.toAbsolutePath().normalize();
    JsonNode answer = AgentClient.request(runDir, new ControlRequest.Stats(mountPoint));
    if (json) {
      out.println(ControlJson.write(answer));
    } else {
      StringBuilder sb = new StringBuilder();
      appendTable(sb, "", answer);
      out.print(sb);
    }
    out.flush();
    return 0;
  }

  /** One value a line; a nested object's values (the node's refusals by reason) as {@code outer.inner}. */
  static void appendTable(StringBuilder sb, String prefix, JsonNode object) {
    object.properties().forEach(e -> {
      if (e.getValue().isObject()) {
        appendTable(sb, prefix + e.getKey() + ".", e.getValue());
      } else {
        sb.append(String.format(Locale.ROOT, "%-32s %s%n", prefix + e.getKey(), e.getValue().asText()));
      }
    });
  }
}
