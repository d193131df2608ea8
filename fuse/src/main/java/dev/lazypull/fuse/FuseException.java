package dev.lazypull.fuse;

/**
 * Thrown by a {@link FileSystem} to answer a request with an errno. Any other exception thrown by a
 * file system is answered with {@link Errno#EIO} and logged.
 */
public final class FuseException extends RuntimeException {
  private final Errno errno;

  public FuseException(Errno errno) {
    this(errno, errno.name());
  }

  public FuseException(Errno errno, String message) {
    super(message, null, false, false);
    this.errno = errno;
  }

  public Errno errno() {
    return errno;
  }
}
