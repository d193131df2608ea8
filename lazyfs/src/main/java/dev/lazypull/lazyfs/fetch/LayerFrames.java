package dev.lazypull.lazyfs.fetch;

import dev.lazypull.format.ChunkLocation;
import dev.lazypull.format.merge.MergedIndex;
import dev.lazypull.format.toc.FrameTable;
import dev.lazypull.oci.Digest;
import java.util.HashMap;
import java.util.Map;

/**
 * What follows a frame in its layer blob: all the fetcher needs of the image to read ahead. Frames
 * of a layer lie in tar order, so the next ones usually hold the next files of the same directory.
 */
@FunctionalInterface
public interface LayerFrames {

  /** No layout known: the fetcher takes only what reads ask for. */
  LayerFrames NONE = chunk -> null;

  /** The frame right after {@code chunk} in its layer blob, or null at the layer's end or for an unknown chunk. */
  ChunkLocation next(ChunkLocation chunk);

  /** The frames of an image's layers (a layer listed twice is the same blob, so either table does). */
  static LayerFrames of(MergedIndex index) {
    Map<Digest, FrameTable> byLayer = new HashMap<>();
    for (int i = 0; i < index.layerCount(); i++) {
      byLayer.put(index.frames(i).layer(), index.frames(i));
    }
    return chunk -> {
      FrameTable t = byLayer.get(chunk.layer());
      if (t == null) {
        return null;
      }
      int i = t.frameAt(chunk.uncompressedOffset());
      if (i < 0 || i + 1 >= t.size() || t.compressedOffset(i) != chunk.compressedOffset()) {
        return null;
      }
      return t.location(i + 1);
    };
  }
}
