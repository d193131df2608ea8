package dev.lazypull.lazyfs.fetch;

import dev.lazypull.format.ChunkLocation;
import java.nio.ByteBuffer;
import java.util.List;

/** Cuts a range of the tar stream out of the chunks that cover it: the one slicing routine of the read path. */
public final class ChunkSlices {
  private ChunkSlices() {}

  /**
   * Tar bytes [{@code tarOffset}, +{@code length}) as slices of {@code data} (the bytes of {@code
   * chunks}, in order), without copying, or null when the chunks do not cover the range
   * contiguously or a chunk's bytes have another length than its location says (an inconsistent
   * index).
   */
  public static ByteBuffer[] of(List<ChunkLocation> chunks, List<byte[]> data, long tarOffset, int length) {
    ByteBuffer[] slices = new ByteBuffer[chunks.size()];
    int count = 0;
    long pos = tarOffset;
    long end = tarOffset + length;
    for (int i = 0; i < chunks.size() && pos < end; i++) {
      ChunkLocation c = chunks.get(i);
      long cStart = c.uncompressedOffset();
      long cEnd = cStart + c.uncompressedLength();
      if (cEnd <= pos) {
        continue;
      }
      if (cStart > pos || data.get(i).length != c.uncompressedLength()) {
        // A gap, or a chunk whose bytes (from the node cache, named by digest alone) are not as
        // long as this image's index says: a hostile or broken index, never sliced as if it fit.
        return null;
      }
      int n = (int) (Math.min(cEnd, end) - pos);
      slices[count++] = ByteBuffer.wrap(data.get(i), (int) (pos - cStart), n);
      pos += n;
    }
    if (pos != end) {
      return null;
    }
    return count == slices.length ? slices : java.util.Arrays.copyOf(slices, count);
  }
}
