package dev.lazypull.snapshotter.control;

import dev.lazypull.oci.Digest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Where a mount daemon keeps its state, keyed by the mount point's real path so that {@code
 * lazypull stats DIR} and {@code lazypull umount DIR} find it: {@code RUN/mounts/<key>/} with the
 * control socket and the daemon's log. {@code RUN} is {@code $LAZYPULL_RUN_DIR}, else {@code
 * /run/lazypull}.
 */
public record RunDirectory(Path dir) {
  public static final String ENV = "LAZYPULL_RUN_DIR";

  /** The run directory of the mount at {@code mountPoint} (which must exist). */
  public static RunDirectory of(Path mountPoint) throws IOException {
    return of(base(), mountPoint);
  }

  public static RunDirectory of(Path base, Path mountPoint) throws IOException {
    String real = mountPoint.toRealPath().toString();
    String key = Digest.sha256(real.getBytes(StandardCharsets.UTF_8)).hex().substring(0, 16);
    return new RunDirectory(base.resolve("mounts").resolve(key));
  }

  public static Path base() {
    String env = System.getenv(ENV);
    return env != null && !env.isBlank() ? Path.of(env) : Path.of("/run/lazypull");
  }

  /** Creates the directory, readable by its owner only (the socket answers unauthenticated). */
  public RunDirectory create() throws IOException {
    Files.createDirectories(dir.getParent());
    if (!Files.isDirectory(dir)) {
      Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }
    return this;
  }

  public Path controlSocket() {
    return dir.resolve("control.sock");
  }

  public Path log() {
    return dir.resolve("daemon.log");
  }

  /** Removes what the daemon left (socket, log), at its clean exit. */
  public void delete() {
    for (Path p : new Path[] {controlSocket(), log(), dir}) {
      try {
        Files.deleteIfExists(p);
      } catch (IOException e) {
        // Something else lives there: leave it.
      }
    }
  }
}
