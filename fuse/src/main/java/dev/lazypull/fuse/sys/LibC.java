package dev.lazypull.fuse.sys;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The few libc calls the binding needs, through FFM. Calls that can fail return {@code -errno}
 * instead of throwing, so the request loop pays nothing for expected failures; errno is captured
 * into a caller-supplied segment ({@link #errnoSegment}) so that it survives the JVM's own calls.
 */
@SuppressWarnings("restricted") // the point of this class: native calls, enabled by --enable-native-access
public final class LibC {
  public static final int O_RDONLY = 0;
  public static final int O_RDWR = 2;
  public static final int O_CLOEXEC = 02000000;
  public static final int O_CREAT = 0100;

  public static final short POLLIN = 1;
  public static final short POLLERR = 8;
  public static final short POLLHUP = 16;
  public static final short POLLNVAL = 32;
  public static final int LOCK_EX = 2;
  public static final int LOCK_NB = 4;

  public static final long MS_RDONLY = 1;
  public static final long MS_NOSUID = 2;
  public static final long MS_NODEV = 4;
  public static final int MNT_DETACH = 2;

  public static final int EINTR = 4;
  public static final int ENOENT = 2;
  public static final int EAGAIN = 11;
  public static final int ENODEV = 19;
  public static final int EINVAL = 22;
  public static final int EBUSY = 16;
  public static final int ECONNABORTED = 103;

  private static final Linker LINKER = Linker.nativeLinker();
  private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
  private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

  private static final MethodHandle OPEN = downcall("open",
      FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(2));
  private static final MethodHandle CLOSE = downcall("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
  private static final MethodHandle READ = downcall("read",
      FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
  private static final MethodHandle WRITEV = downcall("writev",
      FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
  private static final MethodHandle IOCTL = downcall("ioctl",
      FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), Linker.Option.firstVariadicArg(2));
  private static final MethodHandle MOUNT = downcall("mount",
      FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
  private static final MethodHandle UMOUNT2 = downcall("umount2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
  private static final MethodHandle POLL = downcall("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
  private static final MethodHandle FLOCK = downcall("flock", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
  private static final MethodHandle GETEUID = plainDowncall("geteuid", FunctionDescriptor.of(JAVA_INT));
  private static final MethodHandle GETEGID = plainDowncall("getegid", FunctionDescriptor.of(JAVA_INT));
  private static final MethodHandle STRERROR = plainDowncall("strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT));

  private LibC() {
  }

  /** A downcall to libc's {@code name} whose first argument is the errno capture segment. */
  public static MethodHandle downcall(String name, FunctionDescriptor fd, Linker.Option... extra) {
    Linker.Option[] options = new Linker.Option[extra.length + 1];
    options[0] = Linker.Option.captureCallState("errno");
    System.arraycopy(extra, 0, options, 1, extra.length);
    return LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow(name), fd, options);
  }

  /** A downcall to libc's {@code name} that does not capture errno. */
  public static MethodHandle plainDowncall(String name, FunctionDescriptor fd) {
    return LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow(name), fd);
  }

  /** A segment to capture errno into, for one thread at a time. */
  public static MemorySegment errnoSegment(Arena arena) {
    return arena.allocate(CAPTURE);
  }

  /** The errno a call captured into {@code capture}. */
  public static int errno(MemorySegment capture) {
    return (int) ERRNO.get(capture, 0L);
  }

  private static long result(long r, MemorySegment capture) {
    return r < 0 ? -errno(capture) : r;
  }

  public static int open(String path, int flags) {
    return open(path, flags, 0);
  }

  /** open(2) with a mode for O_CREAT: the descriptor, or -errno. */
  public static int open(String path, int flags, int mode) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment capture = errnoSegment(arena);
      int r = (int) OPEN.invokeExact(capture, arena.allocateFrom(path), flags, mode);
      return (int) result(r, capture);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  public static int close(int fd) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment capture = errnoSegment(arena);
      int r = (int) CLOSE.invokeExact(capture, fd);
      return (int) result(r, capture);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** read(2): bytes read, or -errno. */
  public static long read(int fd, MemorySegment buffer, MemorySegment capture) {
    try {
      long r = (long) READ.invokeExact(capture, fd, buffer, buffer.byteSize());
      return result(r, capture);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** writev(2) of {@code count} iovecs: bytes written, or -errno. */
  public static long writev(int fd, MemorySegment iovecs, int count, MemorySegment capture) {
    try {
      long r = (long) WRITEV.invokeExact(capture, fd, iovecs, count);
      return result(r, capture);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** ioctl(2) with a pointer argument: the result, or -errno. */
  public static int ioctl(int fd, long request, MemorySegment arg) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment capture = errnoSegment(arena);
      int r = (int) IOCTL.invokeExact(capture, fd, request, arg);
      return (int) result(r, capture);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /**
   * poll(2) of {@code fds} (struct pollfd: int fd, short events, short revents; 8 bytes each):
   * how many have events, or -errno.
   */
  public static int poll(MemorySegment fds, int count, int timeoutMillis) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment capture = errnoSegment(arena);
      int r = (int) POLL.invokeExact(capture, fds, (long) count, timeoutMillis);
      return (int) result(r, capture);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /**
   * True when the FUSE connection behind {@code fd} has ended (unmounted or aborted): the
   * device then polls POLLERR. A live one never does, whether or not requests wait on it.
   */
  public static boolean fuseConnectionEnded(int fd) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment pfd = arena.allocate(8, 4);
      pfd.set(JAVA_INT, 0, fd);
      int r = poll(pfd, 1, 0);
      short revents = pfd.get(java.lang.foreign.ValueLayout.JAVA_SHORT, 6);
      return r > 0 && (revents & (POLLERR | POLLHUP | POLLNVAL)) != 0;
    }
  }

  /** flock(2): 0 or -errno. */
  public static int flock(int fd, int operation) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment capture = errnoSegment(arena);
      int r = (int) FLOCK.invokeExact(capture, fd, operation);
      return (int) result(r, capture);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** mount(2): 0 or -errno. */
  public static int mount(String source, String target, String type, long flags, String data) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment capture = errnoSegment(arena);
      int r = (int) MOUNT.invokeExact(capture, arena.allocateFrom(source), arena.allocateFrom(target),
          arena.allocateFrom(type), flags, arena.allocateFrom(data));
      return (int) result(r, capture);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** umount2(2): 0 or -errno. */
  public static int umount2(String target, int flags) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment capture = errnoSegment(arena);
      int r = (int) UMOUNT2.invokeExact(capture, arena.allocateFrom(target), flags);
      return (int) result(r, capture);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  public static int geteuid() {
    try {
      return (int) GETEUID.invokeExact();
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  public static int getegid() {
    try {
      return (int) GETEGID.invokeExact();
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** The C library's message for an errno, for error messages. */
  public static String strerror(int errno) {
    try {
      MemorySegment s = (MemorySegment) STRERROR.invokeExact(Math.abs(errno));
      return s.reinterpret(256).getString(0);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  private static RuntimeException rethrow(Throwable t) {
    if (t instanceof RuntimeException r) {
      throw r;
    }
    if (t instanceof Error e) {
      throw e;
    }
    throw new IllegalStateException("native call failed", t);
  }
}
