package dev.lazypull.fuse.server;

import dev.lazypull.fuse.Errno;
import dev.lazypull.fuse.ReadReply;
import dev.lazypull.fuse.sys.DeviceChannel;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;

/** The reply to one READ: written to the device by whichever thread completes it first. */
final class AsyncReadReply implements ReadReply {
  private static final System.Logger LOG = System.getLogger(AsyncReadReply.class.getName());

  private final DeviceChannel device;
  private final PendingReads pending;
  private final long unique;
  private final int size;
  private final AtomicBoolean done = new AtomicBoolean();

  AsyncReadReply(DeviceChannel device, PendingReads pending, long unique, int size) {
    this.device = device;
    this.pending = pending;
    this.unique = unique;
    this.size = size;
  }

  long unique() {
    return unique;
  }

  @Override
  public void data(ByteBuffer... buffers) {
    long total = 0;
    for (ByteBuffer b : buffers) {
      total += b.remaining();
    }
    if (total > size) {
      error(Errno.EIO);
      throw new IllegalArgumentException("read answered with " + total + " bytes, " + size + " requested");
    }
    if (finish()) {
      check(device.reply(unique, 0, buffers));
    }
  }

  @Override
  public void error(Errno errno) {
    if (finish()) {
      check(device.reply(unique, -errno.number()));
    }
  }

  void interrupt() {
    error(Errno.EINTR);
  }

  @Override
  public boolean isDone() {
    return done.get();
  }

  private boolean finish() {
    if (!done.compareAndSet(false, true)) {
      return false;
    }
    pending.remove(this);
    return true;
  }

  private void check(int result) {
    // ENOENT: the kernel no longer waits for this request (interrupted, or the mount went away).
    if (result < 0 && result != -Errno.ENOENT.number() && result != -Errno.ENODEV.number()) {
      LOG.log(System.Logger.Level.WARNING, "READ reply {0} failed: errno {1}", unique, -result);
    }
  }
}
