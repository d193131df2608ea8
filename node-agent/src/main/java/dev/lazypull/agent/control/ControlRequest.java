package dev.lazypull.agent.control;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** What a client may ask the agent over {@code agent.sock}: a closed set, one request per connection. */
public sealed interface ControlRequest {

  /**
   * Mount {@code image} read-only at {@code mountPoint} (an absolute path to an empty directory).
   * {@code insecureRegistries} may be reached over plain HTTP; {@code fetchTimeout} (null: the
   * agent's default) bounds how long a read waits for its chunks. {@code prefetch} fetches the
   * image's recorded start-up list ahead of reads, {@code backgroundFetch} the rest of the image.
   */
  record Mount(String image, Path mountPoint, List<String> insecureRegistries, Duration fetchTimeout, boolean prefetch,
      boolean backgroundFetch) implements ControlRequest {
    public Mount {
      insecureRegistries = List.copyOf(insecureRegistries);
    }

    /** With prefetch and background fetch on, as {@code lazypull mount} does by default. */
    public Mount(String image, Path mountPoint, List<String> insecureRegistries, Duration fetchTimeout) {
      this(image, mountPoint, insecureRegistries, fetchTimeout, true, true);
    }
  }

  /** Unmount the lazy image at {@code mountPoint}. */
  record Umount(Path mountPoint) implements ControlRequest {}

  /** Every mount the agent serves. */
  record ListMounts() implements ControlRequest {}

  /** The counters of the mount at {@code mountPoint}, or the node's totals when it is null. */
  record Stats(Path mountPoint) implements ControlRequest {}
}
