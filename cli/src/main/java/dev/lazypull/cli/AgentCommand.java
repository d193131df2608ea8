package dev.lazypull.cli;

import dev.lazypull.agent.Agent;
import dev.lazypull.agent.AgentConfig;
import dev.lazypull.agent.AgentPaths;
import dev.lazypull.cli.agent.BackgroundAgent;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code lazypull agent}: the node agent in the foreground. */
@Command(
    name = "agent",
    header = "Run the node agent: owns every mount and the chunk cache, serves containerd.",
    mixinStandardHelpOptions = true,
    description = {
      "Run the node agent in the foreground until SIGTERM: it owns every lazy mount of the node and the",
      "node-wide chunk cache, answers `lazypull mount/umount/stats` on RUN_DIR/agent.sock and containerd",
      "on RUN_DIR/containerd.sock (ready once that accepts), and tells systemd (Type=notify) when it is ready."
    })
public final class AgentCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  /** The agent's directories and cache bounds: the ones this agent runs with. */
  @Mixin AgentFlags agent = new AgentFlags();

  @Option(names = "--metrics", paramLabel = "HOST:PORT",
      description = "serve Prometheus metrics at http://HOST:PORT/metrics")
  String metrics;

  /** How the agent reaches registries (every mount's, unless a mount request adds insecure hosts). */
  @Mixin RegistryFlags registry;

  @Option(names = "--index-memory", paramLabel = "SIZE", defaultValue = "1G", converter = ByteSize.Converter.class,
      description = "memory all mounted images' indexes may take together; an image needing more is refused"
          + " (default: ${DEFAULT-VALUE}; give the JVM that much heap beyond the memory cache)")
  long indexMemory;

  @Option(names = "--no-background-fetch",
      description = "no mount of this agent (containerd's included) fetches the rest of its image in the background")
  boolean noBackgroundFetch;

  @Option(names = "--no-warm-up",
      description = "skip the warm-up at start (a first pull's paths run once on a built-in image, before any image is served)")
  boolean noWarmUp;

  @Option(names = "--containerd-config", description = "print the containerd config.toml snippet for these paths and exit")
  boolean containerdConfig;

  @Option(names = "--exit-when-idle", hidden = true, description = "stop once no mount is served (an agent `lazypull mount` started)")
  boolean exitWhenIdle;

  @Override
  public Integer call() {
    AgentPaths paths = agent.paths();
    if (containerdConfig) {
      spec.commandLine().getOut().print(paths.containerdConfig());
      spec.commandLine().getOut().flush();
      return 0;
    }
    Agent running;
    try {
      running = Agent.start(new AgentConfig(paths, agent.cacheSize, agent.memorySize, metricsAddress(), exitWhenIdle,
          registry.options(), indexMemory, !noBackgroundFetch, !noWarmUp && !exitWhenIdle));
    } catch (Agent.AlreadyRunningException e) {
      spec.commandLine().getErr().println("lazypull agent: " + e.getMessage());
      return BackgroundAgent.ALREADY_RUNNING;
    } catch (IOException | IllegalArgumentException e) {
      spec.commandLine().getErr().println("lazypull agent: " + e.getMessage());
      return 1;
    }
    // SIGTERM (systemctl stop/restart, kill) runs the hooks: the mounts stay for the next agent
    // (docs/decisions/0012); `lazypull umount DIR` is how a mount goes.
    Runtime.getRuntime().addShutdownHook(new Thread(running::closeLeavingMounts, "lazypull-agent-shutdown"));
    try {
      String why = running.awaitStop();
      System.err.println("lazypull agent: stopping: " + why);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    running.close();
    return 0;
  }

  private InetSocketAddress metricsAddress() {
    if (metrics == null) {
      return null;
    }
    int colon = metrics.lastIndexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException("--metrics '" + metrics + "' is not HOST:PORT (e.g. 127.0.0.1:9464)");
    }
    String host = metrics.substring(0, colon).replaceAll("^\\[|\\]$", "");
    try {
      int port = Integer.parseInt(metrics.substring(colon + 1));
      if (port < 0 || port > 65535) {
        throw new NumberFormatException();
      }
      return new InetSocketAddress(host, port);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--metrics '" + metrics + "': the port must be a number in 0..65535");
    }
  }
}
