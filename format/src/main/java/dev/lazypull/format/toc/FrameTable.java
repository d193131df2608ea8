package dev.lazypull.format.toc;

import dev.lazypull.format.ChunkLocation;
import dev.lazypull.oci.Digest;
import java.util.List;

/**
 * A layer's frames ("chunks") in flat arrays: frame {@code i} lies at compressed bytes [{@code
 * compressedOffset(i)}, {@code compressedOffset(i+1)}) of the blob and decompresses to bytes
 * [{@code uncompressedOffset(i)}, {@code uncompressedOffset(i+1)}) of the tar stream, whose SHA-256
 * is {@code digest(i)}. Immutable.
 */
public final class FrameTable {
  /**
   * The most one frame may decompress to. A read allocates whole frames, so this bounds the memory
   * one read of any image can take; the encoder never writes larger frames (docs/FORMAT.md 1.1).
   */
  public static final int MAX_FRAME_BYTES = 16 << 20;

  private final Digest layer;
  private final long[] compressedOffsets;
  private final long[] uncompressedOffsets;
  private final byte[] digests;

  FrameTable(Digest layer, long[] compressedOffsets, long[] uncompressedOffsets, byte[] digests) {
    this.layer = layer;
    this.compressedOffsets = compressedOffsets;
    this.uncompressedOffsets = uncompressedOffsets;
    this.digests = digests;
  }

  /** The layer blob these frames belong to. */
  public Digest layer() {
    return layer;
  }

  public int size() {
    return compressedOffsets.length - 1;
  }

  public long compressedOffset(int i) {
    return compressedOffsets[i];
  }

  public int compressedLength(int i) {
    return (int) (compressedOffsets[i + 1] - compressedOffsets[i]);
  }

  public long uncompressedOffset(int i) {
    return uncompressedOffsets[i];
  }

  public int uncompressedLength(int i) {
    return (int) (uncompressedOffsets[i + 1] - uncompressedOffsets[i]);
  }

  /** Total bytes of the frames (where the TOC's skippable frame starts). */
  public long compressedSize() {
    return compressedOffsets[compressedOffsets.length - 1];
  }

  /** Total bytes of the tar stream. */
  public long uncompressedSize() {
    return uncompressedOffsets[uncompressedOffsets.length - 1];
  }

  public Digest digest(int i) {
    byte[] raw = new byte[32];
    System.arraycopy(digests, i * 32, raw, 0, 32);
    return Digest.of(raw);
  }

  /** The frame holding tar byte {@code uncompressedOffset} (binary search), or -1 past the end. */
  public int frameAt(long uncompressedOffset) {
    if (uncompressedOffset < 0 || uncompressedOffset >= uncompressedSize()) {
      return -1;
    }
    int lo = 0;
    int hi = size() - 1;
    while (lo < hi) {
      int mid = (lo + hi + 1) >>> 1;
      if (uncompressedOffsets[mid] <= uncompressedOffset) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    return lo;
  }

  public ChunkLocation location(int i) {
    return new ChunkLocation(layer, compressedOffset(i), compressedLength(i), uncompressedOffset(i),
        uncompressedLength(i), digest(i));
  }

  /** The frames overlapping tar bytes [{@code uncompressedOffset}, +{@code length}), in order. */
  public List<ChunkLocation> overlapping(long uncompressedOffset, long length) {
    if (length <= 0) {
      return List.of();
    }
    int first = frameAt(uncompressedOffset);
    if (first < 0) {
      return List.of();
    }
    long end = Math.min(uncompressedOffset + length, uncompressedSize());
    java.util.ArrayList<ChunkLocation> out = new java.util.ArrayList<>();
    for (int i = first; i < size() && uncompressedOffsets[i] < end; i++) {
      out.add(location(i));
    }
    return out;
  }
}
