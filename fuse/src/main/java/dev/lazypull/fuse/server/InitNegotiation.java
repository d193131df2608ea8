package dev.lazypull.fuse.server;

import dev.lazypull.fuse.MountOptions;
import dev.lazypull.fuse.Negotiated;
import dev.lazypull.fuse.wire.InitFlags;
import dev.lazypull.fuse.wire.InitIn;
import dev.lazypull.fuse.wire.InitOut;

/** Settles INIT: the kernel's offer against what a read-only image file system wants. */
public final class InitNegotiation {
  /** The protocol minor this binding speaks: 7.40 brought passthrough. */
  public static final int OUR_MINOR = 40;
  /** 7.31 (Linux 5.10) has every struct at its current size and max_pages. */
  public static final int OLDEST_MINOR = 31;
  static final int PAGE = 4096;
  static final int MAX_BACKGROUND = 64;
  /** 256 pages of 4 KiB: 1 MiB reads (the kernel clamps to its fs.fuse.max_pages_limit). */
  static final int MAX_PAGES = 256;

  /** The outcome: the reply to send and what it means. */
  public record Result(InitOut reply, Negotiated negotiated) {
  }

  private InitNegotiation() {
  }

  /** @throws UnsupportedOperationException if the kernel's protocol is too old */
  public static Result negotiate(InitIn in, MountOptions opts) {
    if (in.major() != 7 || in.minor() < OLDEST_MINOR) {
      throw new UnsupportedOperationException("kernel FUSE protocol " + in.major() + "." + in.minor()
          + " is older than the 7." + OLDEST_MINOR + " lazypull needs");
    }
    long wanted = InitFlags.ASYNC_READ | InitFlags.BIG_WRITES | InitFlags.PARALLEL_DIROPS | InitFlags.MAX_PAGES
        | InitFlags.CACHE_SYMLINKS | InitFlags.ASYNC_DIO | InitFlags.INIT_EXT;
    if (opts.readdirplus()) {
      wanted |= InitFlags.DO_READDIRPLUS | InitFlags.READDIRPLUS_AUTO;
    }
    if (opts.passthrough()) {
      wanted |= InitFlags.PASSTHROUGH;
    }
    long flags = wanted & in.flags();
    int minor = Math.min(in.minor(), OUR_MINOR);
    boolean passthrough = (flags & InitFlags.PASSTHROUGH) != 0 && minor >= 40;
    if (!passthrough) {
      flags &= ~InitFlags.PASSTHROUGH;
    }
    int maxPages = MAX_PAGES;
    int readahead = Math.min(in.maxReadahead(), opts.maxReadahead());
    InitOut out = new InitOut(7, minor, readahead, flags, MAX_BACKGROUND, MAX_BACKGROUND * 3 / 4,
        opts.maxWrite(), 1, maxPages, passthrough ? 1 : 0);
    Negotiated negotiated = new Negotiated(in.minor(), minor, maxPages * PAGE, opts.maxWrite(), readahead,
        (flags & InitFlags.DO_READDIRPLUS) != 0, (flags & InitFlags.ASYNC_READ) != 0,
        (flags & InitFlags.PARALLEL_DIROPS) != 0, passthrough);
    return new Result(out, negotiated);
  }
}
