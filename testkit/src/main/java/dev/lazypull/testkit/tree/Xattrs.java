package dev.lazypull.testkit.tree;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * Every extended attribute of a path, in every namespace, without following a final symlink
 * ({@code llistxattr}/{@code lgetxattr} through FFM: the JDK's own view sees only {@code user.}).
 */
final class Xattrs {
  private static final Linker LINKER = Linker.nativeLinker();
  private static final SymbolLookup LIBC = LINKER.defaultLookup();
  private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");
  private static final long ERRNO_OFFSET =
      Linker.Option.captureStateLayout().byteOffset(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));
  private static final MethodHandle LLISTXATTR = LINKER.downcallHandle(
      LIBC.find("llistxattr").orElseThrow(),
      FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG),
      ERRNO);
  private static final MethodHandle LGETXATTR = LINKER.downcallHandle(
      LIBC.find("lgetxattr").orElseThrow(),
      FunctionDescriptor.of(
          ValueLayout.JAVA_LONG, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG),
      ERRNO);
  private static final int ENOTSUP = 95;
  private static final int ERANGE = 34;

  /** Name to value; empty when the file system has no xattrs. */
  static Map<String, byte[]> read(Path path) {
    Map<String, byte[]> out = new TreeMap<>();
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment cPath = arena.allocateFrom(path.toString());
      MemorySegment state = arena.allocate(Linker.Option.captureStateLayout());
      long size = 4096;
      while (true) {
        MemorySegment list = arena.allocate(size);
        long n = (long) LLISTXATTR.invokeExact(state, cPath, list, size);
        if (n < 0) {
          int errno = state.get(ValueLayout.JAVA_INT, ERRNO_OFFSET);
          if (errno == ENOTSUP) {
            return out;
          }
          if (errno == ERANGE) {
            size *= 4;
            continue;
          }
          throw new IllegalStateException("llistxattr " + path + ": errno " + errno);
        }
        byte[] names = list.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
        int start = 0;
        for (int i = 0; i < names.length; i++) {
          if (names[i] == 0) {
            String name = new String(names, start, i - start, StandardCharsets.UTF_8);
            out.put(name, value(arena, state, cPath, name, path));
            start = i + 1;
          }
        }
        return out;
      }
    } catch (Throwable t) {
      if (t instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException(t);
    }
  }

  private static byte[] value(Arena arena, MemorySegment state, MemorySegment cPath, String name, Path path)
      throws Throwable {
    MemorySegment cName = arena.allocateFrom(name);
    long size = 256;
    while (true) {
      MemorySegment buf = arena.allocate(size);
      long n = (long) LGETXATTR.invokeExact(state, cPath, cName, buf, size);
      if (n >= 0) {
        return buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
      }
      int errno = state.get(ValueLayout.JAVA_INT, ERRNO_OFFSET);
      if (errno != ERANGE) {
        throw new IllegalStateException("lgetxattr " + path + " " + name + ": errno " + errno);
      }
      size *= 4;
    }
  }

  private Xattrs() {}
}
