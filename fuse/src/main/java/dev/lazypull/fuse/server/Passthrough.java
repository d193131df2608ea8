package dev.lazypull.fuse.server;

import dev.lazypull.fuse.sys.DeviceChannel;
import dev.lazypull.fuse.sys.LibC;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Opens handed to the kernel (FOPEN_PASSTHROUGH). The kernel allows one backing file per inode
 * while any passthrough open of it lasts (a second, different one is refused with EIO), so the
 * backing file is registered once per inode with FUSE_DEV_IOC_BACKING_OPEN, shared by all its
 * opens, and its id dropped when the last of them is released (the kernel resolves the id in the
 * opener's context after our reply, so it must outlive the reply). Passthrough opens get a handle
 * of the binding's own (negative, never one a file system chose) mapping back to the file system's.
 */
final class Passthrough {
  private static final System.Logger LOG = System.getLogger(Passthrough.class.getName());

  private record Open(long ino, long fsHandle) {
  }

  private record Backing(int id, int opens) {
  }

  /** A registered open: the handle to give the kernel and the backing id for fuse_open_out. */
  record Registered(long handle, int backingId) {
  }

  private final DeviceChannel device;
  private final ConcurrentHashMap<Long, Open> opens = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Long, Backing> backingByIno = new ConcurrentHashMap<>();
  private final AtomicLong nextHandle = new AtomicLong(Long.MIN_VALUE);

  Passthrough(DeviceChannel device) {
    this.device = device;
  }

  /** Opens {@code ino} over {@code file}; null when registration failed (the open is then cached). */
  Registered open(long ino, long fsHandle, Path file) {
    Backing b = backingByIno.compute(ino, (k, old) -> {
      if (old != null) {
        return new Backing(old.id(), old.opens() + 1);
      }
      int id = register(file);
      return id < 0 ? null : new Backing(id, 1);
    });
    if (b == null) {
      return null;
    }
    long handle = nextHandle.getAndIncrement();
    opens.put(handle, new Open(ino, fsHandle));
    return new Registered(handle, b.id());
  }

  private int register(Path file) {
    int fd = LibC.open(file.toString(), LibC.O_RDONLY | LibC.O_CLOEXEC);
    if (fd < 0) {
      LOG.log(System.Logger.Level.WARNING, "passthrough: cannot open {0}: {1}", file, LibC.strerror(-fd));
      return -1;
    }
    try {
      int id = device.openBacking(fd);
      if (id < 0) {
        LOG.log(System.Logger.Level.WARNING, "passthrough: FUSE_DEV_IOC_BACKING_OPEN of {0}: {1}",
            file, LibC.strerror(-id));
      }
      return id;
    } finally {
      LibC.close(fd); // the kernel holds its own reference to the file
    }
  }

  static boolean isPassthroughHandle(long fh) {
    return fh < 0;
  }

  /** Ends a passthrough open; returns the file system's handle. */
  long release(long fh) {
    Open open = opens.remove(fh);
    if (open == null) {
      return fh;
    }
    backingByIno.computeIfPresent(open.ino(), (k, b) -> {
      if (b.opens() > 1) {
        return new Backing(b.id(), b.opens() - 1);
      }
      device.closeBacking(b.id());
      return null;
    });
    return open.fsHandle();
  }
}
