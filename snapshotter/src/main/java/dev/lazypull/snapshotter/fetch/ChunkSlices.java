package dev.lazypull.snapshotter.fetch;

import dev.lazypull.format.ChunkLocation;
import java.util.List;

/** Cuts a range of the tar stream out of the chunks that cover it. */
public final class ChunkSlices {
  private ChunkSlices() {}

  /**
   * Copies tar bytes [{@code tarOffset}, +{@code length}) from {@code data} (the bytes of {@code
   * chunks}, in order) into {@code dst} at {@code dstOffset}; returns how many bytes the chunks
   * covered contiguously from {@code tarOffset}.
   */
  public static int copy(List<ChunkLocation> chunks, List<byte[]> data, long tarOffset, byte[] dst, int dstOffset, int length) {
    long pos = tarOffset;
    long end = tarOffset + length;
    for (int i = 0; i < chunks.size() && pos < end; i++) {
      ChunkLocation c = chunks.get(i);
      long cStart = c.uncompressedOffset();
      long cEnd = cStart + c.uncompressedLength();
      if (cEnd <= pos) {
        continue;
      }
      if (cStart > pos) {
        break;
      }
      int n = (int) (Math.min(cEnd, end) - pos);
      System.arraycopy(data.get(i), (int) (pos - cStart), dst, dstOffset + (int) (pos - tarOffset), n);
      pos += n;
    }
    return (int) (pos - tarOffset);
  }
}
