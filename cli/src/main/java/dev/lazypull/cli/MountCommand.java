package dev.lazypull.cli;

import dev.lazypull.agent.AgentConfig;
import dev.lazypull.agent.control.ControlRequest;
import dev.lazypull.cli.agent.AgentClient;
import dev.lazypull.cli.agent.BackgroundAgent;
import dev.lazypull.cli.mount.Durations;
import dev.lazypull.registry.ImageRef;
import dev.lazypull.lazyfs.mount.MountPoints;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code lazypull mount IMAGE DIR}: asks the node agent to mount a lazy image (starting one when none runs). */
@Command(
    name = "mount",
    header = "Mount a lazy image read-only at DIR, fetching only what is read.",
    mixinStandardHelpOptions = true,
    description = {
      "Mount a lazy image read-only at DIR (an empty directory). Returns once DIR is ready; the node agent",
      "serves it, fetching only the chunks that are read, until `lazypull umount DIR`. When no agent runs,",
      "one is started in the background (logging to RUN_DIR/agent.log); it stops when its last mount goes."
    })
public final class MountCommand implements Callable<Integer>, ClientCommand {

  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "IMAGE", description = "the lazy image: host[:port]/repo[:tag|@digest] or oci:DIR[:TAG]")
  String image;

  @Parameters(index = "1", paramLabel = "DIR", description = "an empty directory to mount at")
  Path dir;

  /** The agent's directories and cache bounds, for an agent this command starts when none runs (--run-dir also says which agent to ask). */
  @Mixin AgentFlags agent = new AgentFlags();

  @Option(names = "--fetch-timeout", paramLabel = "DURATION", converter = Durations.Converter.class,
      description = "a read fails with EIO when the registry has not delivered its chunks by then (default: 30s)")
  Duration fetchTimeout;

  /** Registry settings: --insecure-registry goes with the request; all of them configure an agent this command starts. */
  @Mixin RegistryFlags registry = new RegistryFlags();

  @Option(names = "--no-prefetch",
      description = "do not fetch the image's recorded start-up list ahead of reads")
  boolean noPrefetch;

  @Option(names = "--no-background-fetch",
      description = "do not fetch the rest of the image in the background (on by default, so a running "
          + "container stops depending on the registry)")
  boolean noBackgroundFetch;

  @Override
  public Integer call() {
    return run(spec.commandLine().getOut(), spec.commandLine().getErr());
  }

  @Override
  public int run(PrintWriter out, PrintWriter err) {
    try {
      return mount(out);
    } catch (IOException | IllegalArgumentException e) {
      err.println("lazypull mount: " + e.getMessage());
      return 1;
    }
  }

  private int mount(PrintWriter out) throws IOException {
    Path mountPoint = dir.toAbsolutePath().normalize();
    // Fail fast, before an agent is started, on what can be checked here.
    MountPoints.requireEmptyDirectory(mountPoint);
    MountPoints.requireFuse();
    if (registry.caBundle != null && !java.nio.file.Files.isReadable(registry.caBundle)) {
      throw new IOException("--ca-bundle " + registry.caBundle + ": no such readable file");
    }
    if (ImageRef.parse(image) instanceof ImageRef.LayoutRef layout) {
      registry.openSource(layout).close(); // a missing layout is named here, and nothing is created
    }
    // Checks the sizes. The registry settings are the agent's to build: reading them here would
    // load the docker config's JSON mapper, a large part of a client command's start (decision 0015).
    new AgentConfig(agent.paths(), agent.cacheSize, agent.memorySize, null, true, null);
    BackgroundAgent launch = new BackgroundAgent(agent.paths(), agent.cacheSize, agent.memorySize, registry.arguments());
    AgentClient.requestStarting(agent.runDir, new ControlRequest.Mount(image, mountPoint, registry.insecure, fetchTimeout,
        !noPrefetch, !noBackgroundFetch), launch);
    out.println("mounted " + image + " at " + mountPoint);
    return 0;
  }
}
