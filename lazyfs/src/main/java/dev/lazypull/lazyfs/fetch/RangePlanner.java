package dev.lazypull.lazyfs.fetch;

import dev.lazypull.format.ChunkLocation;
import dev.lazypull.oci.Digest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns the chunks a read is missing into as few Range requests as the bounds allow: chunks of
 * the same layer are sorted by offset and merged while the gap between neighbours is at most
 * {@code maxGap} and the merged request at most {@code maxRange} bytes. Reading a small gap costs
 * less than another round trip; the bound keeps one slow request from holding many readers.
 */
final class RangePlanner {
  private final int maxRange;
  private final int maxGap;

  RangePlanner(int maxRange, int maxGap) {
    this.maxRange = maxRange;
    this.maxGap = maxGap;
  }

  List<BlobRange> plan(List<ChunkLocation> chunks) {
    Map<Digest, List<ChunkLocation>> byLayer = new LinkedHashMap<>();
    for (ChunkLocation c : chunks) {
      byLayer.computeIfAbsent(c.layer(), k -> new ArrayList<>()).add(c);
    }
    List<BlobRange> ranges = new ArrayList<>();
    for (List<ChunkLocation> layerChunks : byLayer.values()) {
      layerChunks.sort(Comparator.comparingLong(ChunkLocation::compressedOffset));
      List<ChunkLocation> run = new ArrayList<>();
      long start = 0;
      long end = 0;
      for (ChunkLocation c : layerChunks) {
        long cEnd = c.compressedOffset() + c.compressedLength();
        boolean fits = !run.isEmpty()
            && c.compressedOffset() - end <= maxGap
            && Math.max(end, cEnd) - start <= maxRange;
        if (!fits && !run.isEmpty()) {
          ranges.add(new BlobRange(run.getFirst().layer(), start, Math.toIntExact(end - start), List.copyOf(run)));
          run.clear();
        }
        if (run.isEmpty()) {
          start = c.compressedOffset();
          end = cEnd;
        } else {
          end = Math.max(end, cEnd);
        }
        run.add(c);
      }
      if (!run.isEmpty()) {
        ranges.add(new BlobRange(run.getFirst().layer(), start, Math.toIntExact(end - start), List.copyOf(run)));
      }
    }
    return ranges;
  }
}
