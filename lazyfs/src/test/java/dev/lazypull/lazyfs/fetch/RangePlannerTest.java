package dev.lazypull.lazyfs.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lazypull.format.ChunkLocation;
import dev.lazypull.oci.Digest;
import java.util.List;
import org.junit.jupiter.api.Test;

class RangePlannerTest {
  private static final Digest A = Digest.sha256(new byte[] {1});
  private static final Digest B = Digest.sha256(new byte[] {2});

  private static ChunkLocation chunk(Digest layer, long offset, int length) {
    return new ChunkLocation(layer, offset, length, offset * 3, length * 3, Digest.sha256(new byte[] {(byte) offset, (byte) (offset >> 8),
        (byte) (offset >> 16)}));
  }

  private static List<String> plan(int maxRange, int maxGap, ChunkLocation... chunks) {
    return new RangePlanner(maxRange, maxGap).plan(List.of(chunks)).stream()
        .map(r -> (r.layer().equals(A) ? "A" : "B") + r.offset() + "+" + r.length() + "/" + r.chunks().size())
        .toList();
  }

  @Test
  void mergesNeighboursWithinTheGapRegardlessOfOrder() {
    assertThat(plan(1000, 10, chunk(A, 110, 50), chunk(A, 0, 100), chunk(A, 200, 10)))
        .containsExactly("A0+160/2", "A200+10/1");
  }

  @Test
  void neverMergesAcrossLayers() {
    assertThat(plan(1000, 1000, chunk(A, 0, 10), chunk(B, 10, 10))).containsExactly("A0+10/1", "B10+10/1");
  }

  @Test
  void splitsAtTheRangeBoundButFetchesAnOversizedChunkAlone() {
    assertThat(plan(100, 10, chunk(A, 0, 60), chunk(A, 60, 60), chunk(A, 120, 500)))
        .containsExactly("A0+60/1", "A60+60/1", "A120+500/1");
  }
}
