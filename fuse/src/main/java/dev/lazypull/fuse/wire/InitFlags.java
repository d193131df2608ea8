package dev.lazypull.fuse.wire;

/**
 * INIT flags (fuse.h, FUSE_*). Bits 32..63 travel in the {@code flags2} word when FUSE_INIT_EXT
 * is set; here they are kept as one 64-bit value.
 */
public final class InitFlags {
  public static final long ASYNC_READ = 1L << 0;
  public static final long BIG_WRITES = 1L << 5;
  public static final long DO_READDIRPLUS = 1L << 13;
  public static final long READDIRPLUS_AUTO = 1L << 14;
  public static final long ASYNC_DIO = 1L << 15;
  public static final long PARALLEL_DIROPS = 1L << 18;
  public static final long ABORT_ERROR = 1L << 21;
  public static final long MAX_PAGES = 1L << 22;
  public static final long CACHE_SYMLINKS = 1L << 23;
  public static final long INIT_EXT = 1L << 30;
  public static final long PASSTHROUGH = 1L << 37;

  private InitFlags() {
  }
}
