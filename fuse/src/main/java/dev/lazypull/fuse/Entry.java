package dev.lazypull.fuse;

/**
 * The answer to a successful lookup: the kernel then holds one more reference to {@code attr.ino()},
 * which it gives back by {@link FileSystem#forget}.
 *
 * @param generation with the inode number unique over the life of the file system (0 for images,
 *                   whose inode numbers are never reused)
 */
public record Entry(long generation, Attr attr) {
  public Entry {
    java.util.Objects.requireNonNull(attr, "attr");
  }

  public Entry(Attr attr) {
    this(0, attr);
  }

  public long ino() {
    return attr.ino();
  }
}
