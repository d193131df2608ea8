package dev.lazypull.snapshotter.mount;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** Checks made before anything is mounted, each failing with a message that says what to do. */
public final class MountPoints {
  private static final Path DEV_FUSE = Path.of("/dev/fuse");
  private static final Path MOUNTINFO = Path.of("/proc/self/mountinfo");

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

  /**
   * True while something is mounted exactly at {@code dir} (an absolute, real path), by the
   * kernel's mount table; mount points with spaces are escaped there as octal ({@code \040}).
   */
  public static boolean isMounted(Path dir) throws IOException {
    String wanted = dir.toString();
    for (String line : Files.readAllLines(MOUNTINFO)) {
      String[] fields = line.split(" ");
      if (fields.length > 4 && unescape(fields[4]).equals(wanted)) {
        return true;
      }
    }
    return false;
  }

  private static String unescape(String field) {
    StringBuilder sb = new StringBuilder(field.length());
    for (int i = 0; i < field.length(); i++) {
      char c = field.charAt(i);
      if (c == '\\' && i + 3 < field.length()) {
        sb.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
        i += 3;
      } else {
        sb.append(c);
      }
    }
    return sb.toString();
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
