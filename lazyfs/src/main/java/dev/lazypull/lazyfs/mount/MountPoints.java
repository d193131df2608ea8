package dev.lazypull.lazyfs.mount;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** Checks made before anything is mounted, each failing with a message that says what to do. */
public final class MountPoints {
  private static final Path DEV_FUSE = Path.of("/dev/fuse");

  private MountPoints() {}

  /** Throws unless {@code dir} is an existing, empty directory. */
  public static void requireEmptyDirectory(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      throw new IOException("mount point " + dir + " does not exist: create an empty directory there first");
    }
    if (!Files.isDirectory(dir)) {
      throw new IOException("mount point " + dir + " is not a directory");
    }
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      if (entries.iterator().hasNext()) {
        throw new IOException("mount point " + dir + " is not empty (or is mounted already): use an empty directory");
      }
    }
  }

  /** Throws unless the kernel's FUSE device is there. */
  public static void requireFuse() throws IOException {
    if (!Files.exists(DEV_FUSE)) {
      throw new IOException("FUSE is not available: " + DEV_FUSE + " is missing. Install it with "
          + "`apt-get install fuse3` (and `modprobe fuse`), or run the container with --device /dev/fuse");
    }
    if (!Files.isReadable(DEV_FUSE) || !Files.isWritable(DEV_FUSE)) {
      throw new IOException("FUSE is not usable: no read/write access to " + DEV_FUSE + " (mounting needs root)");
    }
  }
}
