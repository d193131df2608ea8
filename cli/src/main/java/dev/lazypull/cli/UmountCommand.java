package dev.lazypull.cli;

import dev.lazypull.fuse.FuseMount;
import dev.lazypull.snapshotter.control.ControlClient;
import dev.lazypull.snapshotter.control.ControlServer;
import dev.lazypull.snapshotter.control.RunDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Parameters;

/** {@code lazypull umount DIR}: unmounts a lazy image and stops its daemon. */
@Command(name = "umount", header = "Unmount a lazy image and stop the process serving it.", mixinStandardHelpOptions = true,
    description = "Unmount a lazy image mounted by `lazypull mount` and stop the process serving it.")
public final class UmountCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "DIR", description = "the mount point")
  Path dir;

  @Override
  public Integer call() {
    try {
      return run();
    } catch (IOException | IllegalArgumentException e) {
      spec.commandLine().getErr().println("lazypull umount: " + e.getMessage());
      return 1;
    }
  }

  private int run() throws IOException {
    Path mountPoint = dir.toAbsolutePath().normalize();
    if (!Files.exists(mountPoint)) {
      throw new IOException(mountPoint + " does not exist");
    }
    RunDirectory run = RunDirectory.of(mountPoint);
    if (Files.exists(run.controlSocket())) {
      try {
        ControlClient.request(run.controlSocket(), ControlServer.UMOUNT);
        spec.commandLine().getOut().println("unmounted " + mountPoint);
        return 0;
      } catch (IOException daemonGone) {
        // The daemon died without cleaning up: fall through to the stale mount.
      }
    }
    if (FuseMount.unmountStale(mountPoint)) {
      run.delete();
      spec.commandLine().getOut().println("removed the stale mount at " + mountPoint + " (its daemon had died)");
      return 0;
    }
    throw new IOException(mountPoint + " is not a lazypull mount");
  }
}
