package dev.lazypull.snapshotter.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lazypull.oci.Digest;
import dev.lazypull.snapshotter.stats.ReadStats;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChunkCacheTest {
  @TempDir Path dir;
  private final ReadStats stats = new ReadStats();

  @Test
  void memoryTierIsBoundedByBytes() throws IOException {
    try (ChunkCache cache = ChunkCache.open(1 << 20, null, 0, stats)) {
      for (int i = 0; i < 100; i++) {
        byte[] data = new byte[64 << 10];
        data[0] = (byte) i;
        data[1] = (byte) (i >> 8);
        cache.putInMemory(Digest.sha256(data), data);
      }
      assertThat(cache.memoryWeightedSize()).isLessThanOrEqualTo(1 << 20);
    }
  }

  @Test
  void aDiskHitIsPromotedToMemoryAndCounted() throws IOException {
    byte[] data = "chunk".getBytes();
    Digest d = Digest.sha256(data);
    try (ChunkCache writer = ChunkCache.open(1 << 20, dir, 1 << 20, stats)) {
      writer.putOnDisk(d, data);
    }
    try (ChunkCache cache = ChunkCache.open(1 << 20, dir, 1 << 20, stats)) {
      assertThat(cache.getFromMemory(d)).isNull();
      assertThat(cache.get(d)).isEqualTo(data);
      assertThat(cache.getFromMemory(d)).isEqualTo(data);
    }
    assertThat(stats.snapshot().diskHits()).isEqualTo(1);
    assertThat(stats.snapshot().memoryHits()).isEqualTo(1);
    assertThat(stats.snapshot().memoryMisses()).isEqualTo(2);
  }
}
