package dev.lazypull.fuse;

import java.util.List;
import java.util.Optional;

/**
 * A read-only, inode-based file system served by {@link FuseMount}. Inode numbers are the file
 * system's own: the root is {@link #ROOT}, and a number a lookup returned stays valid until the
 * kernel has forgotten every lookup of it. Everything that writes is refused by the binding with
 * EROFS before it gets here.
 *
 * <p>Methods other than {@link #read} are called on the binding's reader threads and must not block
 * for long (an in-memory index answers them). {@link #read} is asynchronous: answer through the
 * {@link ReadReply}, from any thread, at any time. Errors are thrown as {@link FuseException}.
 */
public interface FileSystem {

  /** The inode number of the root directory. */
  long ROOT = 1;

  /**
   * Looks {@code name} up in directory {@code parent}. A present answer counts one lookup of the
   * entry's inode (also when the binding itself calls this to answer READDIRPLUS); the kernel
   * gives the counts back through {@link #forget}. Empty means ENOENT.
   */
  Optional<Entry> lookup(long parent, String name);

  /** The kernel dropped {@code nlookup} lookups of {@code ino}; at zero the inode may be freed. */
  default void forget(long ino, long nlookup) {
  }

  Attr getattr(long ino);

  /** The target of symlink {@code ino}, as bytes. */
  default byte[] readlink(long ino) {
    throw new FuseException(Errno.EINVAL);
  }

  /** Opens regular file {@code ino}; {@code flags} are open(2)'s flags. */
  default OpenResult open(long ino, int flags) {
    return OpenResult.cached(0);
  }

  /** Reads up to {@code size} bytes at {@code offset}; answer through {@code reply}. */
  void read(long ino, long fh, long offset, int size, ReadReply reply);

  /** The last reference to open file {@code fh} is gone. */
  default void release(long ino, long fh) {
  }

  /** Opens directory {@code ino}; the returned handle comes back in {@link #readdir}. */
  default long opendir(long ino) {
    return 0;
  }

  /** Lists directory {@code ino} from {@code offset} (0: the start) into {@code sink}. */
  void readdir(long ino, long fh, long offset, DirSink sink);

  default void releasedir(long ino, long fh) {
  }

  StatFs statfs();

  /** The value of extended attribute {@code name}; empty means ENODATA. */
  default Optional<byte[]> getxattr(long ino, String name) {
    return Optional.empty();
  }

  /** The names of the extended attributes of {@code ino}. */
  default List<String> listxattr(long ino) {
    return List.of();
  }

  /** The kernel connection ended (unmount): no more calls follow. */
  default void destroy() {
  }
}
