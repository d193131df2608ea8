package dev.lazypull.fuse.sys;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An open /dev/fuse: requests are read one per read(2), replies written one per writev(2). The
 * kernel takes each write as one whole reply, so any number of threads may reply concurrently.
 */
public final class DeviceChannel implements AutoCloseable {
  /** _IOW(229, 1, struct fuse_backing_map) */
  static final long FUSE_DEV_IOC_BACKING_OPEN = 0x4010E501L;
  /** _IOW(229, 2, uint32_t) */
  static final long FUSE_DEV_IOC_BACKING_CLOSE = 0x4004E502L;

  private final int fd;
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile boolean muted;

  private DeviceChannel(int fd) {
    this.fd = fd;
  }

  public static DeviceChannel open() throws IOException {
    int fd = LibC.open("/dev/fuse", LibC.O_RDWR | LibC.O_CLOEXEC);
    if (fd < 0) {
      throw new IOException("cannot open /dev/fuse: " + LibC.strerror(-fd));
    }
    return new DeviceChannel(fd);
  }

  /** Wraps a descriptor received from fusermount3. */
  public static DeviceChannel of(int fd) {
    return new DeviceChannel(fd);
  }

  public int fd() {
    return fd;
  }

  /** Until {@link #close}. */
  public boolean isOpen() {
    return !closed.get();
  }

  /** Reads one request into {@code buffer}: its length, or -errno. */
  public long read(MemorySegment buffer, MemorySegment errnoCapture) {
    return LibC.read(fd, buffer, errnoCapture);
  }

  /**
   * Writes one message already holding its out header: the remaining bytes of {@code whole}.
   *
   * @return 0, or -errno (ENOENT: the request is gone, it was interrupted or the mount aborted)
   */
  public int write(ByteBuffer whole) {
    try (Arena arena = Arena.ofConfined()) {
      return writeParts(arena, null, whole);
    }
  }

  /**
   * Writes one message: a struct fuse_out_header built from {@code error} (0, -errno, or a
   * notification code) and {@code unique}, then the remaining bytes of {@code body}, consuming none.
   * Direct buffers go to the kernel without a copy.
   *
   * @return 0, or -errno (ENOENT: the request is gone, it was interrupted or the mount aborted)
   */
  public int reply(long unique, int error, ByteBuffer... body) {
    try (Arena arena = Arena.ofConfined()) {
      long len = 16;
      for (ByteBuffer b : body) {
        len += b.remaining();
      }
      MemorySegment header = arena.allocate(16, 8);
      header.set(JAVA_INT, 0, (int) len);
      header.set(JAVA_INT, 4, error);
      header.set(JAVA_LONG, 8, unique);
      return writeParts(arena, header, body);
    }
  }

  /**
   * From now on nothing is written to the kernel: every reply and notification is dropped (and
   * reported written). Requests read after this stay unanswered in the kernel's processing queue,
   * where a successor's NOTIFY_RESEND finds them: how a server hands its connection over.
   */
  public void mute() {
    muted = true;
  }

  private int writeParts(Arena arena, MemorySegment header, ByteBuffer... parts) {
    if (muted) {
      return 0;
    }
    int count = parts.length + (header == null ? 0 : 1);
    MemorySegment iov = arena.allocate(16L * count, 8);
    long total = 0;
    int i = 0;
    if (header != null) {
      total += setIovec(iov, i++, header);
    }
    for (ByteBuffer part : parts) {
      MemorySegment data;
      if (part.isDirect()) {
        data = MemorySegment.ofBuffer(part);
      } else {
        data = arena.allocate(Math.max(1, part.remaining())).asSlice(0, part.remaining());
        MemorySegment.copy(MemorySegment.ofBuffer(part), 0, data, 0, part.remaining());
      }
      total += setIovec(iov, i++, data);
    }
    long n = LibC.writev(fd, iov, count, LibC.errnoSegment(arena));
    if (n < 0) {
      return (int) n;
    }
    if (n != total) {
      throw new IllegalStateException("short write to /dev/fuse: " + n + " of " + total + " bytes");
    }
    return 0;
  }

  private static long setIovec(MemorySegment iov, int index, MemorySegment data) {
    iov.set(JAVA_LONG, 16L * index, data.address());
    iov.set(JAVA_LONG, 16L * index + 8, data.byteSize());
    return data.byteSize();
  }

  /**
   * Registers {@code backingFd} with the kernel for passthrough (FUSE_DEV_IOC_BACKING_OPEN).
   *
   * @return the backing id for fuse_open_out, or -errno
   */
  public int openBacking(int backingFd) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment map = arena.allocate(16, 8); // struct fuse_backing_map { s32 fd; u32 flags; u64 padding; }
      map.set(JAVA_INT, 0, backingFd);
      return LibC.ioctl(fd, FUSE_DEV_IOC_BACKING_OPEN, map);
    }
  }

  /** Drops a backing id (FUSE_DEV_IOC_BACKING_CLOSE): 0 or -errno. */
  public int closeBacking(int backingId) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment id = arena.allocate(JAVA_INT);
      id.set(JAVA_INT, 0, backingId);
      return LibC.ioctl(fd, FUSE_DEV_IOC_BACKING_CLOSE, id);
    }
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      LibC.close(fd);
    }
  }
}
