package dev.lazypull.cli.mount;

import dev.lazypull.cli.RegistryFlags;
import dev.lazypull.registry.ImageRef;
import dev.lazypull.registry.ImageStore;
import dev.lazypull.snapshotter.control.ControlServer;
import dev.lazypull.snapshotter.control.RunDirectory;
import dev.lazypull.snapshotter.mount.ImageMount;
import dev.lazypull.snapshotter.mount.MountSettings;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * The body of a mount daemon ({@code lazypull mount --foreground}): opens the image's store,
 * mounts, listens on the control socket and serves until the mount goes (by {@code lazypull
 * umount}, by umount(8), or by SIGTERM, whose shutdown hook unmounts).
 */
public final class MountDaemon {
  public static final String READY = "READY";
  public static final String ERROR = "ERROR ";

  private MountDaemon() {}

  /** What to mount, where, and how. */
  public record Request(String image, Path mountPoint, MountSettings settings, RegistryFlags registry) {}

  /** Serves the mount; with {@code notifyReady} tells the launcher on stdout whether it came up. */
  public static int run(Request request, boolean notifyReady) {
    PrintStream handshake = System.out;
    RunDirectory run;
    ImageMount mount;
    ImageStore store = null;
    try {
      run = RunDirectory.of(request.mountPoint()).create();
      ImageRef ref = ImageRef.parse(request.image());
      // A source: a mistyped layout path fails naming it instead of mounting a new empty layout.
      store = request.registry().openSource(ref);
      mount = ImageMount.open(store, ref.reference(), request.mountPoint(), request.settings());
    } catch (IOException | RuntimeException e) {
      closeQuietly(store);
      String message = e.getMessage() == null ? e.toString() : e.getMessage();
      if (notifyReady) {
        handshake.println(ERROR + message.replace('\n', ' '));
        handshake.flush();
      } else {
        System.err.println("lazypull mount: " + message);
      }
      return 1;
    }
    RunDirectory runDir = run;
    try (ImageStore s = store;
        ImageMount m = mount;
        ControlServer control = ControlServer.start(run.controlSocket(), () -> m.stats().snapshot().toJson(), () -> {
          // Gone before the "ok": whoever asked may mount here again at once.
          m.close();
          runDir.delete();
        })) {
      if (notifyReady) {
        handshake.println(READY);
        handshake.flush();
        // The launcher stops reading once it has READY: nothing else may go to the pipe.
        System.setOut(System.err);
      }
      System.err.println("lazypull: serving " + request.image() + " at " + request.mountPoint());
      m.unmounted().join();
      System.err.println("lazypull: " + request.mountPoint() + " unmounted; exiting");
    } catch (IOException e) {
      System.err.println("lazypull mount: " + e.getMessage());
      return 1;
    } finally {
      run.delete();
    }
    return 0;
  }

  private static void closeQuietly(ImageStore store) {
    if (store != null) {
      try {
        store.close();
      } catch (IOException e) {
        // Already failing: the first error is the one to report.
      }
    }
  }
}
