package dev.lazypull.fuse;

/** What statfs(2) reports; sizes in units of {@code blockSize}. */
public record StatFs(long blocks, long blocksFree, long blocksAvailable, long files, long filesFree,
           int blockSize, int maxNameLength, int fragmentSize) {

  /** A read-only file system of {@code blocks} blocks of 4 KiB holding {@code files} inodes, nothing free. */
  public static StatFs readOnly(long blocks, long files) {
    return new StatFs(blocks, 0, 0, files, 0, 4096, 255, 4096);
  }
}
