package dev.lazypull.fuse.testfs;

import dev.lazypull.fuse.FileType;

/**
 * Builds one file tree, so that the same description can be laid out on a real file system and
 * served from memory, and the two compared.
 *
 * @param <N> the builder's handle of a node
 */
public interface TreeBuilder<N> {
  N root();

  N dir(N parent, String name, int perm, int uid, int gid, long mtimeSeconds, int mtimeNanos);

  N file(N parent, String name, int perm, int uid, int gid, long mtimeSeconds, int mtimeNanos, Content content);

  /** Another name for the existing file {@code target}. */
  void hardlink(N parent, String name, N target);

  N symlink(N parent, String name, String target, int uid, int gid, long mtimeSeconds, int mtimeNanos);

  /** A device node or fifo. */
  N special(N parent, String name, FileType type, int perm, int rdev, long mtimeSeconds, int mtimeNanos);

  /** A user extended attribute ({@code name} without the "user." prefix). */
  void xattr(N node, String name, byte[] value);

  /** Called once the tree is complete (directory times are final only then on a real file system). */
  void finish() throws Exception;
}
