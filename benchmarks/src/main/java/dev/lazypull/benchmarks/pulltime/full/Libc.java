package dev.lazypull.benchmarks.pulltime.full;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;

/**
 * The two system calls overlayfs whiteouts need and the JDK lacks: a character device 0/0 marks
 * a deleted file, the {@code trusted.overlay.opaque} xattr an opaque directory (as containerd's
 * overlay snapshotter writes them).
 */
final class Libc {
  private static final Linker LINKER = Linker.nativeLinker();
  private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");
  private static final MethodHandle MKNOD =
      LINKER.downcallHandle(
          LINKER.defaultLookup().findOrThrow("mknod"),
          FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG),
          ERRNO);
  private static final MethodHandle SETXATTR =
      LINKER.downcallHandle(
          LINKER.defaultLookup().findOrThrow("setxattr"),
          FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS,
              ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT),
          ERRNO);
  private static final long ERRNO_OFFSET =
      Linker.Option.captureStateLayout().byteOffset(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));
  private static final int S_IFCHR = 0020000;

  private Libc() {}

  /** An overlayfs whiteout: a character device with device number 0/0. */
  static void whiteout(Path path) throws IOException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(Linker.Option.captureStateLayout());
      int rc = (int) MKNOD.invokeExact(state, arena.allocateFrom(path.toString()), S_IFCHR, 0L);
      check(rc, state, "mknod " + path);
    } catch (IOException | RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new IOException(t);
    }
  }

  static void setXattr(Path path, String name, byte[] value) throws IOException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(Linker.Option.captureStateLayout());
      MemorySegment v = arena.allocate(Math.max(1, value.length));
      MemorySegment.copy(value, 0, v, ValueLayout.JAVA_BYTE, 0, value.length);
      int rc = (int) SETXATTR.invokeExact(state, arena.allocateFrom(path.toString()), arena.allocateFrom(name), v, (long) value.length, 0);
      check(rc, state, "setxattr " + name + " on " + path);
    } catch (IOException | RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new IOException(t);
    }
  }

  private static void check(int rc, MemorySegment state, String what) throws IOException {
    if (rc != 0) {
      throw new IOException(what + " failed: errno " + state.get(ValueLayout.JAVA_INT, ERRNO_OFFSET));
    }
  }
}
