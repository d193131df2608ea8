package dev.lazypull.cli;

import dev.lazypull.cli.mount.DaemonLauncher;
import dev.lazypull.cli.mount.Durations;
import dev.lazypull.cli.mount.MountDaemon;
import dev.lazypull.registry.ImageRef;
import dev.lazypull.snapshotter.mount.MountPoints;
import dev.lazypull.snapshotter.mount.MountSettings;
import dev.lazypull.snapshotter.prefetch.PrefetchSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lazypull mount IMAGE DIR}: mounts a lazy image read-only and leaves a daemon serving it. */
@Command(
    name = "mount",
    header = "Mount a lazy image read-only at DIR, fetching only what is read.",
    mixinStandardHelpOptions = true,
    description = {
      "Mount a lazy image read-only at DIR (an empty directory). Returns once DIR is ready;",
      "a background process serves it, fetching only the chunks that are read, until `lazypull umount DIR`."
    })
public final class MountCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "IMAGE", description = "the lazy image: host[:port]/repo[:tag|@digest] or oci:DIR[:TAG]")
  String image;

  @Parameters(index = "1", paramLabel = "DIR", description = "an empty directory to mount at")
  Path dir;

  @Option(names = "--cache-dir", paramLabel = "DIR", defaultValue = "/var/cache/lazypull",
      description = "node chunk cache, shared by every mount that names it (default: ${DEFAULT-VALUE})")
  Path cacheDir;

  @Option(names = "--cache-size", paramLabel = "SIZE", defaultValue = "10G", converter = ByteSize.class,
      description = "bound of the disk cache, e.g. 10G (default: ${DEFAULT-VALUE})")
  long cacheSize;

  @Option(names = "--memory-cache-size", paramLabel = "SIZE", defaultValue = "256M", converter = ByteSize.class,
      description = "bound of the in-memory chunk cache (default: ${DEFAULT-VALUE})")
  long memorySize;

  @Option(names = "--fetch-timeout", paramLabel = "DURATION", defaultValue = "30s", converter = Durations.class,
      description = "a read fails with EIO when the registry has not delivered its chunks by then (default: ${DEFAULT-VALUE})")
  Duration fetchTimeout;

  @Mixin RegistryFlags registry;

  @Option(names = "--no-prefetch",
      description = "do not fetch the image's recorded start-up list ahead of reads")
  boolean noPrefetch;

  @Option(names = "--no-background-fetch",
      description = "do not fetch the rest of the image in the background (on by default, so a running "
          + "container stops depending on the registry)")
  boolean noBackgroundFetch;

  @Option(names = "--foreground", description = "serve the mount in this process until it is unmounted")
  boolean foreground;

  @Option(names = "--notify-ready", hidden = true, description = "print READY (or ERROR msg) on stdout: the launcher's handshake")
  boolean notifyReady;

  @Override
  public Integer call() {
    try {
      return run();
    } catch (java.io.IOException | IllegalArgumentException e) {
      spec.commandLine().getErr().println("lazypull mount: " + e.getMessage());
      return 1;
    }
  }

  private int run() throws java.io.IOException {
    MountDaemon.Request request = new MountDaemon.Request(image, dir.toAbsolutePath().normalize(),
        MountSettings.defaults(cacheDir.toAbsolutePath())
            .withCacheBytes(cacheSize)
            .withMemoryBytes(memorySize)
            .withFetch(MountSettings.defaults(null).fetch().withTimeout(fetchTimeout))
            .withPrefetch(PrefetchSettings.defaults().withList(!noPrefetch).withBackground(!noBackgroundFetch)),
        registry);
    if (foreground) {
      return MountDaemon.run(request, notifyReady);
    }
    // Fail fast, before a process is started, on what can be checked here.
    MountPoints.requireEmptyDirectory(request.mountPoint());
    MountPoints.requireFuse();
    if (ImageRef.parse(image) instanceof ImageRef.LayoutRef layout) {
      registry.openSource(layout).close(); // a missing layout is named here, and nothing is created
    }
    List<String> args = new ArrayList<>(List.of("mount", "--foreground", "--notify-ready",
        "--cache-dir", request.settings().cacheDir().toString(),
        "--cache-size", Long.toString(cacheSize),
        "--memory-cache-size", Long.toString(memorySize),
        "--fetch-timeout", Durations.format(fetchTimeout)));
    args.addAll(registry.arguments());
    if (noPrefetch) {
      args.add("--no-prefetch");
    }
    if (noBackgroundFetch) {
      args.add("--no-background-fetch");
    }
    args.add(image);
    args.add(request.mountPoint().toString());
    DaemonLauncher.launch(request.mountPoint(), memorySize, args);
    spec.commandLine().getOut().println("mounted " + image + " at " + request.mountPoint());
    return 0;
  }
}
