package dev.lazypull.fuse;

import java.nio.file.Path;

/**
 * The answer to an open.
 *
 * @param fh          a handle the file system chooses; it comes back in reads and in release
 * @param keepCache   keep the kernel's page cache of this file across opens (right for immutable data)
 * @param directIo    bypass the page cache: every read comes to the file system
 * @param backingFile when not null and the kernel supports passthrough, reads of this open file are
 *                    served by the kernel straight from this local file, never reaching the file
 *                    system; it must hold the file's whole content. All opens of one inode must
 *                    agree on passthrough and name the same file: the binding registers it once
 *                    per inode, and the kernel refuses an open that mixes modes.
 */
public record OpenResult(long fh, boolean keepCache, boolean directIo, Path backingFile) {

  public OpenResult {
    if (fh < 0) {
      throw new IllegalArgumentException("file handles must not be negative: " + fh);
    }
  }

  /** Reads go through the page cache, which is kept across opens. */
  public static OpenResult cached(long fh) {
    return new OpenResult(fh, true, false, null);
  }

  /** Every read reaches the file system. */
  public static OpenResult direct(long fh) {
    return new OpenResult(fh, false, true, null);
  }

  /** Reads are served by the kernel from {@code backingFile} (falls back to {@link #cached} without passthrough). */
  public static OpenResult passthrough(long fh, Path backingFile) {
    return new OpenResult(fh, true, false, java.util.Objects.requireNonNull(backingFile));
  }
}
