package dev.lazypull.agent.snapshots;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashSet;
import java.util.Set;

/**
 * Walks a snapshot's directory tree without leaving its file system: a mount inside (a lazy
 * chain's FUSE mount, say) is neither counted nor deleted through.
 */
public final class DiskUsage {
  private DiskUsage() {}

  /** Bytes (file sizes; the JDK does not expose st_blocks) and inodes under {@code dir}, hardlinks counted once. */
  static OverlaySnapshotter.Usage of(Path dir) throws IOException {
    if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      return new OverlaySnapshotter.Usage(0, 0);
    }
    Object dev = Files.getAttribute(dir, "unix:dev", LinkOption.NOFOLLOW_LINKS);
    Set<Object> seen = new HashSet<>();
    long[] totals = new long[2];
    Files.walkFileTree(dir, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) throws IOException {
        if (!dev.equals(Files.getAttribute(d, "unix:dev", LinkOption.NOFOLLOW_LINKS))) {
          return FileVisitResult.SKIP_SUBTREE;
        }
        count(d);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
        count(f);
        return FileVisitResult.CONTINUE;
      }

      private void count(Path p) throws IOException {
        var a = Files.readAttributes(p, "unix:ino,size", LinkOption.NOFOLLOW_LINKS);
        if (seen.add(a.get("ino"))) {
          totals[0] += ((Number) a.get("size")).longValue();
          totals[1]++;
        }
      }
    });
    return new OverlaySnapshotter.Usage(totals[0], totals[1]);
  }

  /** Deletes {@code dir} and everything in it that lies on its own file system; absent is fine. */
  public static void deleteWithinFileSystem(Path dir) throws IOException {
    if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    Object dev = Files.getAttribute(dir, "unix:dev", LinkOption.NOFOLLOW_LINKS);
    Files.walkFileTree(dir, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) throws IOException {
        if (!dev.equals(Files.getAttribute(d, "unix:dev", LinkOption.NOFOLLOW_LINKS))) {
          throw new IOException("cannot delete " + dir + ": " + d + " is still mounted");
        }
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
        Files.delete(f);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFileFailed(Path f, IOException e) throws IOException {
        if (e instanceof NoSuchFileException) {
          return FileVisitResult.CONTINUE;
        }
        throw e;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
        if (e != null) {
          throw e;
        }
        Files.delete(d);
        return FileVisitResult.CONTINUE;
      }
    });
  }
}
