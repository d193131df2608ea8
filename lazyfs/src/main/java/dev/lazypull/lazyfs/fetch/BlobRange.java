package dev.lazypull.lazyfs.fetch;

import dev.lazypull.format.ChunkLocation;
import dev.lazypull.oci.Digest;
import java.util.List;

/** One Range request: bytes [{@code offset}, +{@code length}) of {@code layer}, covering {@code chunks} in offset order. */
record BlobRange(Digest layer, long offset, int length, List<ChunkLocation> chunks) {

  /** Where {@code chunk}'s frame starts in this range's bytes. */
  int offsetOf(ChunkLocation chunk) {
    return Math.toIntExact(chunk.compressedOffset() - offset);
  }
}
