package dev.lazypull.benchmarks.lazyfs;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;

/**
 * Drops one file's pages from the kernel page cache ({@code posix_fadvise(POSIX_FADV_DONTNEED)}),
 * so that the next read of a FUSE file reaches the file system instead of the kernel's copy,
 * without dropping the whole machine's caches.
 */
final class PageCache {
  private static final int O_RDONLY = 0;
  private static final int POSIX_FADV_DONTNEED = 4;
  private static final Linker LINKER = Linker.nativeLinker();
  private static final MethodHandle OPEN = LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow("open"),
      FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
  private static final MethodHandle FADVISE = LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow("posix_fadvise"),
      FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
  private static final MethodHandle CLOSE = LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow("close"),
      FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));

  private PageCache() {}

  static void drop(Path file) {
    try (Arena arena = Arena.ofConfined()) {
      int fd = (int) OPEN.invokeExact(arena.allocateFrom(file.toString()), O_RDONLY);
      if (fd < 0) {
        throw new IllegalStateException("cannot open " + file);
      }
      try {
        int r = (int) FADVISE.invokeExact(fd, 0L, 0L, POSIX_FADV_DONTNEED);
        if (r != 0) {
          throw new IllegalStateException("posix_fadvise failed on " + file + ": " + r);
        }
      } finally {
        int ignored = (int) CLOSE.invokeExact(fd);
      }
    } catch (Throwable t) {
      throw t instanceof RuntimeException re ? re : new IllegalStateException(t);
    }
  }
}
