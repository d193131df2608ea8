package dev.lazypull.lazyfs.prefetch;

import dev.lazypull.format.ChunkLocation;
import dev.lazypull.format.merge.MergedIndex;
import dev.lazypull.format.toc.FrameTable;
import dev.lazypull.format.toc.PrefetchList;
import dev.lazypull.lazyfs.fs.ReadObserver;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Records which chunks a program reads, for the image's prefetch list. The order is made
 * reproducible rather than taken raw: files in the order of their first read, and within a file
 * its chunks by offset. The kernel's readahead and its several reader threads may deliver one
 * file's reads out of order from run to run, and a program usually reads one file at a time, so
 * this order is what stays the same between two runs of the same command
 * (docs/decisions/0009-recorded-prefetch.md). A chunk shared by two files keeps its first place.
 */
public final class AccessRecorder implements ReadObserver {
  private final MergedIndex index;
  /** Per inode in first-read order, the frames of its layer it read. */
  private final Map<Long, BitSet> reads = new LinkedHashMap<>();

  public AccessRecorder(MergedIndex index) {
    this.index = index;
  }

  @Override
  public void read(long ino, List<ChunkLocation> chunks) {
    if (chunks.isEmpty()) {
      return;
    }
    FrameTable frames = index.frames(index.layerOf(ino));
    synchronized (reads) {
      BitSet read = reads.computeIfAbsent(ino, k -> new BitSet());
      for (ChunkLocation c : chunks) {
        read.set(frames.frameAt(c.uncompressedOffset()));
      }
    }
  }

  /** The chunks read so far, as a prefetch list in the order described above. */
  public PrefetchList list() {
    List<long[]> order = new ArrayList<>();
    Set<Long> seen = new HashSet<>();
    synchronized (reads) {
      for (Map.Entry<Long, BitSet> e : reads.entrySet()) {
        int layer = index.layerOf(e.getKey());
        BitSet frames = e.getValue();
        for (int f = frames.nextSetBit(0); f >= 0; f = frames.nextSetBit(f + 1)) {
          if (seen.add((long) layer << 32 | f)) {
            order.add(new long[] {layer, f});
          }
        }
      }
    }
    int[] layers = new int[order.size()];
    int[] frames = new int[order.size()];
    for (int i = 0; i < layers.length; i++) {
      layers[i] = (int) order.get(i)[0];
      frames[i] = (int) order.get(i)[1];
    }
    return PrefetchList.of(layers, frames);
  }

  /** Files read so far. */
  public int filesRead() {
    synchronized (reads) {
      return reads.size();
    }
  }
}
