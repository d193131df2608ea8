package dev.lazypull.lazyfs.cache;

import dev.lazypull.oci.Digest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * One pass over the disk tier's two-level directory: every chunk file with its size and last use,
 * and the removal of temporary files that crashed writers left behind. Files may vanish during
 * the scan (other processes evict too); they are skipped. An interrupt ends the scan early with
 * what it has seen.
 */
record DiskScan(List<Entry> entries) {
  private static final System.Logger LOG = System.getLogger(DiskScan.class.getName());
  private static final Pattern CHUNK_NAME = Pattern.compile("[0-9a-f]{64}");

  record Entry(Digest digest, int size, long lastUsedMillis) {}

  static DiskScan of(Path chunksDir, String tempPrefix, long staleTempBeforeMillis) {
    List<Entry> entries = new ArrayList<>();
    try (DirectoryStream<Path> prefixes = Files.newDirectoryStream(chunksDir)) {
      for (Path prefix : prefixes) {
        if (Thread.currentThread().isInterrupted()) {
          break;
        }
        if (!Files.isDirectory(prefix)) {
          continue;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(prefix)) {
          for (Path file : files) {
            String name = file.getFileName().toString();
            BasicFileAttributes attrs;
            try {
              attrs = Files.readAttributes(file, BasicFileAttributes.class);
            } catch (NoSuchFileException vanished) {
              continue;
            }
            long mtime = attrs.lastModifiedTime().toMillis();
            if (name.startsWith(tempPrefix)) {
              if (mtime < staleTempBeforeMillis) {
                DiskTier.deleteQuietly(file);
              }
            } else if (attrs.isRegularFile() && CHUNK_NAME.matcher(name).matches() && attrs.size() <= Integer.MAX_VALUE) {
              entries.add(new Entry(new Digest(name), (int) attrs.size(), mtime));
            }
          }
        } catch (NoSuchFileException | UncheckedIOException vanished) {
          // The prefix directory went away under us: nothing to count there.
        }
      }
    } catch (IOException e) {
      LOG.log(System.Logger.Level.WARNING, "chunk cache: cannot scan " + chunksDir + ": " + e.getMessage());
    }
    return new DiskScan(entries);
  }
}
