package dev.lazypull.fuse;

/** The file types of POSIX, with their {@code S_IFMT} bits. */
public enum FileType {
  FIFO(0010000), CHARACTER_DEVICE(0020000), DIRECTORY(0040000), BLOCK_DEVICE(0060000),
  REGULAR(0100000), SYMLINK(0120000), SOCKET(0140000);

  /** The mask of the file type bits in a mode. */
  public static final int S_IFMT = 0170000;

  private final int bits;

  FileType(int bits) {
    this.bits = bits;
  }

  /** The {@code S_IF*} bits, to be or-ed with the permission bits. */
  public int bits() {
    return bits;
  }

  /** The mode of this type with the given permission bits (which may include setuid, setgid, sticky). */
  public int mode(int permissions) {
    if ((permissions & S_IFMT) != 0) {
      throw new IllegalArgumentException("permission bits carry file type bits: " + Integer.toOctalString(permissions));
    }
    return bits | permissions;
  }

  /** The {@code d_type} value readdir reports ({@code DT_*}): the type bits shifted down by 12. */
  public int direntType() {
    return bits >>> 12;
  }

  public static FileType ofMode(int mode) {
    int t = mode & S_IFMT;
    for (FileType type : values()) {
      if (type.bits == t) {
        return type;
      }
    }
    throw new IllegalArgumentException("no file type in mode " + Integer.toOctalString(mode));
  }
}
