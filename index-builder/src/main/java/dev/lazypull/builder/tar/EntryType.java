package dev.lazypull.builder.tar;

/**
 * What a tar entry makes in the file system. Whiteouts and opaque-directory markers are regular
 * files by type; {@link TarHeader#isWhiteout()} tells them apart.
 */
public enum EntryType {
  FILE,
  DIRECTORY,
  SYMLINK,
  HARDLINK,
  CHAR_DEVICE,
  BLOCK_DEVICE,
  FIFO;

  /** Whether entries of this type carry data blocks after their header. */
  public boolean hasData() {
    return this == FILE;
  }
}
