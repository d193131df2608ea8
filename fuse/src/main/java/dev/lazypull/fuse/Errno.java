package dev.lazypull.fuse;

/** Linux errno values (asm-generic/errno-base.h, errno.h) a file system can answer with. */
public enum Errno {
  EPERM(1), ENOENT(2), EINTR(4), EIO(5), ENXIO(6), E2BIG(7), EBADF(9), EAGAIN(11), ENOMEM(12),
  EACCES(13), EFAULT(14), EBUSY(16), EEXIST(17), EXDEV(18), ENODEV(19), ENOTDIR(20), EISDIR(21),
  EINVAL(22), ENFILE(23), EMFILE(24), EFBIG(27), ENOSPC(28), ESPIPE(29), EROFS(30), EMLINK(31),
  ERANGE(34), ENAMETOOLONG(36), ENOSYS(38), ENOTEMPTY(39), ELOOP(40), ENODATA(61), EOVERFLOW(75),
  EPROTO(71), EOPNOTSUPP(95), ECONNABORTED(103), ETIMEDOUT(110), ESTALE(116);

  private final int number;

  Errno(int number) {
    this.number = number;
  }

  /** The positive errno number. */
  public int number() {
    return number;
  }

  /** The constant for {@code number}, or {@link #EIO} if this enum does not name it. */
  public static Errno of(int number) {
    for (Errno e : values()) {
      if (e.number == number) {
        return e;
      }
    }
    return EIO;
  }
}
