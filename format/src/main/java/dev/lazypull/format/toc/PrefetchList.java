package dev.lazypull.format.toc;

import dev.lazypull.format.FormatException;
import dev.lazypull.format.IndexBudget;
import java.util.Arrays;

/**
 * An image's start-up prefetch list: chunks named by (layer index in the manifest, frame index in
 * that layer's TOC), in the order a recorded program first read them. It travels as an extension
 * of the top layer's TOC frame (docs/FORMAT.md, 3.4), which readers without this extension skip.
 * Immutable.
 */
public final class PrefetchList {
  /** No list: the image was not recorded. */
  public static final PrefetchList EMPTY = new PrefetchList(new int[0], new int[0]);

  /** More chunks than any image start-up needs (4 Mi x 64 KiB frames = 256 GiB) and few enough to hold. */
  public static final int MAX_CHUNKS = 1 << 22;
  /** Layer indices above this are refused before the image is known (OCI images have at most a few hundred). */
  public static final int MAX_LAYER_INDEX = (1 << 16) - 1;

  private final int[] layers;
  private final int[] frames;

  private PrefetchList(int[] layers, int[] frames) {
    this.layers = layers;
    this.frames = frames;
  }

  /** A list of {@code layers[i]}, {@code frames[i]} pairs (copied); each pair at most once. */
  public static PrefetchList of(int[] layers, int[] frames) {
    if (layers.length != frames.length || layers.length > MAX_CHUNKS) {
      throw new IllegalArgumentException("prefetch list of " + layers.length + " layers and " + frames.length + " frames");
    }
    java.util.HashSet<Long> seen = new java.util.HashSet<>();
    for (int i = 0; i < layers.length; i++) {
      if (layers[i] < 0 || layers[i] > MAX_LAYER_INDEX || frames[i] < 0) {
        throw new IllegalArgumentException("prefetch entry " + i + " names layer " + layers[i] + ", frame " + frames[i]);
      }
      if (!seen.add((long) layers[i] << 32 | frames[i])) {
        throw new IllegalArgumentException("prefetch entry " + i + " repeats layer " + layers[i] + ", frame " + frames[i]);
      }
    }
    return new PrefetchList(layers.clone(), frames.clone());
  }

  public int size() {
    return layers.length;
  }

  public boolean isEmpty() {
    return layers.length == 0;
  }

  /** Entry {@code i}'s layer: an index into the manifest's layers, lowest first. */
  public int layer(int i) {
    return layers[i];
  }

  /** Entry {@code i}'s frame: an index into its layer's frame table. */
  public int frame(int i) {
    return frames[i];
  }

  /** The extension's payload (after its 8-byte extension header): count, then (layer, frame delta) pairs. */
  byte[] encodePayload() {
    VarintWriter w = new VarintWriter();
    w.varint(layers.length);
    int previous = 0;
    for (int i = 0; i < layers.length; i++) {
      w.varint(layers[i]);
      w.signedVarint((long) frames[i] - previous);
      previous = frames[i];
    }
    return Arrays.copyOf(w.array(), w.length());
  }

  static PrefetchList decodePayload(byte[] b, int off, int end, String what, IndexBudget budget) throws FormatException {
    VarintReader r = new VarintReader(b, off, end, what + ", prefetch list");
    // Every pair takes at least two bytes: the count cannot promise more than the bytes hold.
    int n = r.intVarint(Math.min(MAX_CHUNKS, r.remaining() / 2), "chunk count");
    // the two columns, and the sorted keys that find repeats without an object per entry
    budget.charge(16L * n, what + ": its prefetch list of " + n + " chunks");
    int[] layers = new int[n];
    int[] frames = new int[n];
    long previous = 0;
    for (int i = 0; i < n; i++) {
      layers[i] = r.intVarint(MAX_LAYER_INDEX, "layer of entry " + i);
      long frame = previous + r.signedVarint();
      if (frame < 0 || frame > Integer.MAX_VALUE) {
        throw new FormatException(what + ", prefetch list: entry " + i + " names frame " + frame);
      }
      frames[i] = (int) frame;
      previous = frame;
    }
    if (r.remaining() != 0) {
      throw new FormatException(what + ", prefetch list: " + r.remaining() + " unexpected bytes after the last entry");
    }
    long[] keys = new long[n];
    for (int i = 0; i < n; i++) {
      keys[i] = (long) layers[i] << 32 | frames[i];
    }
    Arrays.sort(keys);
    for (int i = 1; i < n; i++) {
      if (keys[i] == keys[i - 1]) {
        throw new FormatException(what + ", prefetch list: it names layer " + (keys[i] >>> 32) + ", frame "
            + (int) keys[i] + " twice");
      }
    }
    return new PrefetchList(layers, frames);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PrefetchList p && Arrays.equals(layers, p.layers) && Arrays.equals(frames, p.frames);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(layers) + Arrays.hashCode(frames);
  }

  @Override
  public String toString() {
    return "PrefetchList[" + layers.length + " chunks]";
  }
}
