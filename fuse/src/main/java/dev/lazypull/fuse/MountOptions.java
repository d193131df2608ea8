package dev.lazypull.fuse;

import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link FuseMount} is mounted and what it negotiates with the kernel.
 *
 * @param fsName          the mount's source as mount(8) shows it; the type is {@code fuse.lazypull}
 * @param allowOther      let users other than the mounting one in (containers run as other users)
 * @param defaultPermissions let the kernel check permissions from the mode bits
 * @param suid            honour setuid/setgid bits (a container root file system needs them)
 * @param dev             allow opening device nodes
 * @param entryTimeout    how long the kernel caches a name lookup (images are immutable: long)
 * @param attrTimeout     how long the kernel caches attributes
 * @param negativeTimeout how long the kernel caches a failed lookup (zero: not at all)
 * @param readerThreads   platform threads reading requests from /dev/fuse
 * @param maxWrite        the largest WRITE payload; sizes each reader's request buffer
 * @param maxReadahead    the kernel's readahead for files of this mount, in bytes
 * @param readdirplus     answer directory listings with attributes (saves a LOOKUP per entry)
 * @param passthrough     negotiate kernel passthrough where the kernel offers it
 * @param cacheDirs       let the kernel cache directory listings (FOPEN_CACHE_DIR)
 */
public record MountOptions(String fsName, boolean allowOther, boolean defaultPermissions, boolean suid,
              boolean dev, Duration entryTimeout, Duration attrTimeout, Duration negativeTimeout,
              int readerThreads, int maxWrite, int maxReadahead, boolean readdirplus,
              boolean passthrough, boolean cacheDirs) {

  /** The largest read the kernel sends with 256 pages: 1 MiB. */
  public static final int MAX_READ = 1 << 20;

  public MountOptions {
    Objects.requireNonNull(fsName, "fsName");
    if (fsName.isEmpty() || fsName.contains(",") || fsName.chars().anyMatch(Character::isWhitespace)) {
      throw new IllegalArgumentException("fsName must be non-empty without commas or spaces: '" + fsName + "'");
    }
    for (Duration d : new Duration[] {entryTimeout, attrTimeout, negativeTimeout}) {
      if (d == null || d.isNegative()) {
        throw new IllegalArgumentException("timeouts must be zero or positive: " + d);
      }
    }
    if (readerThreads < 1 || readerThreads > 64) {
      throw new IllegalArgumentException("readerThreads must be 1..64: " + readerThreads);
    }
    if (maxWrite < 4096 || maxWrite > MAX_READ) {
      throw new IllegalArgumentException("maxWrite must be 4 KiB..1 MiB: " + maxWrite);
    }
    if (maxReadahead < 0) {
      throw new IllegalArgumentException("maxReadahead must not be negative: " + maxReadahead);
    }
  }

  /** Settings for an immutable image: hour-long caches, 1 MiB reads and readahead, passthrough on. */
  public static MountOptions defaults() {
    return new MountOptions("lazypull", true, true, true, false, Duration.ofHours(1), Duration.ofHours(1),
        Duration.ofHours(1), 2, 128 << 10, MAX_READ, true, true, true);
  }

  public MountOptions withFsName(String name) {
    return new MountOptions(name, allowOther, defaultPermissions, suid, dev, entryTimeout, attrTimeout,
        negativeTimeout, readerThreads, maxWrite, maxReadahead, readdirplus, passthrough, cacheDirs);
  }

  public MountOptions withTimeouts(Duration entry, Duration attr, Duration negative) {
    return new MountOptions(fsName, allowOther, defaultPermissions, suid, dev, entry, attr, negative,
        readerThreads, maxWrite, maxReadahead, readdirplus, passthrough, cacheDirs);
  }

  public MountOptions withReaderThreads(int threads) {
    return new MountOptions(fsName, allowOther, defaultPermissions, suid, dev, entryTimeout, attrTimeout,
        negativeTimeout, threads, maxWrite, maxReadahead, readdirplus, passthrough, cacheDirs);
  }

  public MountOptions withReaddirplus(boolean on) {
    return new MountOptions(fsName, allowOther, defaultPermissions, suid, dev, entryTimeout, attrTimeout,
        negativeTimeout, readerThreads, maxWrite, maxReadahead, on, passthrough, cacheDirs);
  }

  public MountOptions withPassthrough(boolean on) {
    return new MountOptions(fsName, allowOther, defaultPermissions, suid, dev, entryTimeout, attrTimeout,
        negativeTimeout, readerThreads, maxWrite, maxReadahead, readdirplus, on, cacheDirs);
  }

  public MountOptions withMaxWrite(int bytes) {
    return new MountOptions(fsName, allowOther, defaultPermissions, suid, dev, entryTimeout, attrTimeout,
        negativeTimeout, readerThreads, bytes, maxReadahead, readdirplus, passthrough, cacheDirs);
  }

  public MountOptions withDevices(boolean on) {
    return new MountOptions(fsName, allowOther, defaultPermissions, suid, on, entryTimeout, attrTimeout,
        negativeTimeout, readerThreads, maxWrite, maxReadahead, readdirplus, passthrough, cacheDirs);
  }

  public MountOptions withCacheDirs(boolean on) {
    return new MountOptions(fsName, allowOther, defaultPermissions, suid, dev, entryTimeout, attrTimeout,
        negativeTimeout, readerThreads, maxWrite, maxReadahead, readdirplus, passthrough, on);
  }
}
