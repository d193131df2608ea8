package dev.lazypull.fuse.testfs;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import dev.lazypull.fuse.sys.LibC;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Calls the tests make that Java has no API for: getdents64 at chosen offsets, lgetxattr with a chosen size. */
public final class Syscalls {
  private static final MemoryLayout CAPTURE = Linker.Option.captureStateLayout();
  private static final int O_DIRECTORY = 0200000;

  private static final MethodHandle OPEN = handle("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT),
      Linker.Option.firstVariadicArg(2));
  private static final MethodHandle CLOSE = handle("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
  private static final MethodHandle LSEEK = handle("lseek", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT));
  private static final MethodHandle GETDENTS = handle("getdents64",
      FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
  private static final MethodHandle LGETXATTR = handle("lgetxattr",
      FunctionDescriptor.of(JAVA_LONG, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG));

  /** One struct linux_dirent64. */
  public record Dirent(long ino, long nextOffset, int type, String name) {
  }

  private Syscalls() {
  }

  private static MethodHandle handle(String name, FunctionDescriptor fd, Linker.Option... extra) {
    return LibC.downcall(name, fd, extra);
  }

  private static long check(long r, MemorySegment capture, String what) {
    if (r < 0) {
      throw new IllegalStateException(what + " failed: errno " + LibC.errno(capture));
    }
    return r;
  }

  /** An open directory to list from chosen offsets. */
  public static final class Dir implements AutoCloseable {
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment capture = arena.allocate(CAPTURE);
    private final int fd;

    public Dir(Path path) throws Throwable {
      fd = (int) check((int) OPEN.invokeExact(capture, arena.allocateFrom(path.toString()), O_DIRECTORY, 0),
          capture, "open " + path);
    }

    public void seek(long offset) throws Throwable {
      check((long) LSEEK.invokeExact(capture, fd, offset, 0), capture, "lseek");
    }

    /** One getdents64 call with a buffer of {@code bufferSize} bytes: empty at the end. */
    public List<Dirent> read(int bufferSize) throws Throwable {
      try (Arena a = Arena.ofConfined()) {
        MemorySegment buf = a.allocate(bufferSize, 8);
        long n = check((long) GETDENTS.invokeExact(capture, fd, buf, (long) bufferSize), capture, "getdents64");
        List<Dirent> out = new ArrayList<>();
        long at = 0;
        while (at < n) {
          int reclen = Short.toUnsignedInt(buf.get(JAVA_SHORT, at + 16));
          String name = buf.getString(at + 19);
          out.add(new Dirent(buf.get(JAVA_LONG, at), buf.get(JAVA_LONG, at + 8),
              Byte.toUnsignedInt(buf.get(JAVA_BYTE, at + 18)), name));
          at += reclen;
        }
        return out;
      }
    }

    /** Every entry from the current position on. */
    public List<Dirent> readAll() throws Throwable {
      List<Dirent> all = new ArrayList<>();
      for (List<Dirent> batch = read(32768); !batch.isEmpty(); batch = read(32768)) {
        all.addAll(batch);
      }
      return all;
    }

    @Override
    public void close() {
      try {
        int r = (int) CLOSE.invokeExact(capture, fd);
      } catch (Throwable t) {
        throw new IllegalStateException(t);
      } finally {
        arena.close();
      }
    }
  }

  /** lgetxattr(2) with a buffer of {@code size} bytes: the value's length, or -errno. */
  public static long lgetxattr(Path path, String name, int size) throws Throwable {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment capture = a.allocate(CAPTURE);
      MemorySegment buf = size == 0 ? MemorySegment.NULL : a.allocate(size);
      long r = (long) LGETXATTR.invokeExact(capture, a.allocateFrom(path.toString()), a.allocateFrom(name), buf,
          (long) size);
      return r < 0 ? -LibC.errno(capture) : r;
    }
  }
}
