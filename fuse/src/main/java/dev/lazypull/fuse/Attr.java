package dev.lazypull.fuse;

/**
 * The attributes of one inode, as stat(2) shows them.
 *
 * @param mode   file type and permission bits together ({@code S_IFREG | 0644}), see {@link FileType}
 * @param rdev   device number for character and block devices, Linux encoding ({@link #makedev})
 * @param blocks 512-byte blocks allocated
 */
public record Attr(long ino, long size, long blocks,
          long atimeSeconds, int atimeNanos, long mtimeSeconds, int mtimeNanos,
          long ctimeSeconds, int ctimeNanos,
          int mode, int nlink, int uid, int gid, int rdev, int blksize) {

  public Attr {
    if (ino <= 0) {
      throw new IllegalArgumentException("inode number must be positive: " + ino);
    }
    if (size < 0 || blocks < 0) {
      throw new IllegalArgumentException("negative size or blocks: " + size + ", " + blocks);
    }
    checkNanos(atimeNanos);
    checkNanos(mtimeNanos);
    checkNanos(ctimeNanos);
  }

  private static void checkNanos(int nanos) {
    if (nanos < 0 || nanos > 999_999_999) {
      throw new IllegalArgumentException("nanoseconds out of range: " + nanos);
    }
  }

  /** The file type bits of {@link #mode}. */
  public FileType type() {
    return FileType.ofMode(mode);
  }

  /** Linux's 32-bit device number encoding (the kernel's {@code new_encode_dev}, glibc's makedev). */
  public static int makedev(int major, int minor) {
    return (minor & 0xff) | ((major & 0xfff) << 8) | ((minor & ~0xff) << 12);
  }

  public static int major(int rdev) {
    return (rdev & 0xfff00) >>> 8;
  }

  public static int minor(int rdev) {
    return (rdev & 0xff) | ((rdev >>> 12) & 0xfff00);
  }
}
