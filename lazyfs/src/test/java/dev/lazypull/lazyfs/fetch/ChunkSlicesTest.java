package dev.lazypull.lazyfs.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lazypull.format.ChunkLocation;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChunkSlicesTest {
  private final TestLayer layer = TestLayer.of(2, 4096, 4096, 4096);
  private final List<byte[]> data = List.of(layer.plain(0), layer.plain(1), layer.plain(2));

  private static byte[] concat(ByteBuffer[] slices) {
    int n = Arrays.stream(slices).mapToInt(ByteBuffer::remaining).sum();
    ByteBuffer out = ByteBuffer.allocate(n);
    for (ByteBuffer s : slices) {
      out.put(s.duplicate());
    }
    return out.array();
  }

  @Test
  void cutsTheRequestedTarBytesAcrossChunksWithoutCopying() {
    ByteBuffer[] slices = ChunkSlices.of(layer.chunks(), data, 4000, 5000);

    assertThat(concat(slices)).isEqualTo(Arrays.copyOfRange(layer.tar(), 4000, 9000));
    assertThat(slices).hasSize(3);
    assertThat(slices[1].array()).isSameAs(data.get(1));
  }

  @Test
  void chunksThatLeaveAHoleGiveNull() {
    List<ChunkLocation> withHole = List.of(layer.chunks().get(0), layer.chunks().get(2));

    assertThat(ChunkSlices.of(withHole, List.of(data.get(0), data.get(2)), 4000, 5000)).isNull();
    assertThat(ChunkSlices.of(layer.chunks().subList(0, 1), data.subList(0, 1), 4000, 5000)).isNull();
  }

  @Test
  void aChunkWhoseBytesHaveAnotherLengthThanItsLocationSaysGivesNull() {
    // a hostile index naming a cached chunk (by its digest) with a longer or shorter length
    ChunkLocation real = layer.chunks().get(0);
    for (int claimed : new int[] {real.uncompressedLength() + 100, real.uncompressedLength() - 100}) {
      ChunkLocation lying = new ChunkLocation(real.layer(), real.compressedOffset(), real.compressedLength(),
          real.uncompressedOffset(), claimed, real.digest());
      assertThat(ChunkSlices.of(List.of(lying), List.of(data.get(0)), 0, 1000)).as("claimed %d", claimed).isNull();
    }
  }
}
