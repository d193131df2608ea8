package dev.lazypull.lazyfs.fs;

import dev.lazypull.format.ChunkLocation;
import java.util.List;

/**
 * Hears of every FUSE read before it is served: the file's inode and the chunks the read covers.
 * Off unless a mount asks for it (recording a start-up, counting prefetch hits). Called on the
 * kernel reader thread, so an implementation must be quick and never block on I/O.
 */
@FunctionalInterface
public interface ReadObserver {

  void read(long ino, List<ChunkLocation> chunks);

  /** Both, in this order. */
  static ReadObserver both(ReadObserver a, ReadObserver b) {
    return a == null ? b : b == null ? a : (ino, chunks) -> {
      a.read(ino, chunks);
      b.read(ino, chunks);
    };
  }
}
