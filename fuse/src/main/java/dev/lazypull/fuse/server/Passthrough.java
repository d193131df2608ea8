package dev.lazypull.fuse.server;

import dev.lazypull.fuse.sys.DeviceChannel;
import dev.lazypull.fuse.sys.LibC;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Opens handed to the kernel (FOPEN_PASSTHROUGH). The backing file is registered with
 * FUSE_DEV_IOC_BACKING_OPEN; its id is kept until RELEASE, because the kernel resolves it in the
 * opener's context after our reply, not while we write it. Passthrough opens get a handle of the
 * binding's own (negative, so never one a file system chose) mapping back to the file system's.
 */
final class Passthrough {
    private static final System.Logger LOG = System.getLogger(Passthrough.class.getName());

    private record Open(long fsHandle, int backingId) {
    }

    /** A registered open: the handle to give the kernel and the backing id for fuse_open_out. */
    record Registered(long handle, int backingId) {
    }

    private final DeviceChannel device;
    private final ConcurrentHashMap<Long, Open> opens = new ConcurrentHashMap<>();
    private final AtomicLong nextHandle = new AtomicLong(Long.MIN_VALUE);

    Passthrough(DeviceChannel device) {
        this.device = device;
    }

    /** Registers {@code file}; null when that failed (the open then goes through the page cache). */
    Registered open(long fsHandle, Path file) {
        int fd = LibC.open(file.toString(), LibC.O_RDONLY | LibC.O_CLOEXEC);
        if (fd < 0) {
            LOG.log(System.Logger.Level.WARNING, "passthrough: cannot open {0}: {1}", file, LibC.strerror(-fd));
            return null;
        }
        try {
            int id = device.openBacking(fd);
            if (id < 0) {
                LOG.log(System.Logger.Level.WARNING, "passthrough: FUSE_DEV_IOC_BACKING_OPEN of {0}: {1}",
                        file, LibC.strerror(-id));
                return null;
            }
            long handle = nextHandle.getAndIncrement();
            opens.put(handle, new Open(fsHandle, id));
            return new Registered(handle, id);
        } finally {
            LibC.close(fd); // the kernel holds its own reference to the file now
        }
    }

    static boolean isPassthroughHandle(long fh) {
        return fh < 0;
    }

    /** Drops the backing id of a passthrough open; returns the file system's handle. */
    long release(long fh) {
        Open open = opens.remove(fh);
        if (open == null) {
            return fh;
        }
        device.closeBacking(open.backingId());
        return open.fsHandle();
    }
}
