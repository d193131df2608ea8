package dev.lazypull.builder.overlay.files;

import dev.lazypull.oci.Digest;
import java.nio.file.Path;

/**
 * One entry of the added layer, as it will be written: {@code path} relative to the image root
 * without leading slash, owner root, a normalised mode and, for regular files, the size and
 * SHA-256 of the bytes that were read when the tree was scanned.
 */
public sealed interface AddedFile extends Comparable<AddedFile> {
  String path();

  /** Permission bits only (no file type bits). */
  int mode();

  @Override
  default int compareTo(AddedFile o) {
    return path().compareTo(o.path());
  }

  record Directory(String path) implements AddedFile {
    @Override
    public int mode() {
      return 0755;
    }
  }

  record RegularFile(String path, int mode, long size, Digest sha256, Path source) implements AddedFile {}

  record Symlink(String path, String target) implements AddedFile {
    @Override
    public int mode() {
      return 0777;
    }
  }
}
