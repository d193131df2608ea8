package dev.lazypull.lazyfs.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lazypull.lazyfs.stats.ReadStat;
import dev.lazypull.oci.Digest;
import dev.lazypull.lazyfs.stats.ReadStats;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DiskTierTest {
  @TempDir Path dir;
  private final ReadStats stats = new ReadStats();

  private static byte[] bytes(int seed, int size) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  private List<Path> filesUnder(Path root) throws IOException {
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(Files::isRegularFile).toList();
    }
  }

  @Test
  void storesChunksByContentAndLeavesNoTemporaryFiles() throws IOException {
    byte[] data = bytes(1, 10_000);
    Digest d = Digest.sha256(data);
    try (DiskTier tier = DiskTier.open(dir, 1 << 20, stats)) {
      assertThat(tier.put(d, data)).isTrue();
      assertThat(tier.get(d)).isEqualTo(data);
      assertThat(filesUnder(dir)).containsExactly(dir.resolve("chunks/sha256/" + d.hex().substring(0, 2) + "/" + d.hex()));
      assertThat(tier.usedBytes()).isEqualTo(10_000);
    }
  }

  @Test
  void aCorruptOrTruncatedFileIsAMissAndIsRemoved() throws IOException {
    byte[] data = bytes(2, 5_000);
    Digest d = Digest.sha256(data);
    try (DiskTier tier = DiskTier.open(dir, 1 << 20, stats)) {
      tier.put(d, data);
      Files.write(tier.pathOf(d), new byte[0]); // what a power loss after rename without fsync can leave

      assertThat(tier.get(d)).isNull();
      assertThat(tier.pathOf(d)).doesNotExist();
      assertThat(stats.snapshot().get(ReadStat.VERIFICATION_FAILURES)).isEqualTo(1);
    }
  }

  private long bytesOnDisk() throws IOException {
    long total = 0;
    for (Path p : filesUnder(dir)) {
      total += Files.size(p);
    }
    return total;
  }

  @Test
  void evictionKeepsTheBoundWithoutRescanningAndKeepsTheChunksInUse() throws Exception {
    try (DiskTier tier = DiskTier.open(dir, 100_000, stats)) {
      tier.rebuilt().get(5, TimeUnit.SECONDS);
      byte[] hot = bytes(1000, 10_000);
      Digest hotDigest = Digest.sha256(hot);
      tier.put(hotDigest, hot);
      for (int i = 0; i < 40; i++) {
        byte[] data = bytes(10 + i, 10_000);
        tier.put(Digest.sha256(data), data);
        assertThat(tier.get(hotDigest)).isEqualTo(hot); // read again and again: W-TinyLFU keeps it
        tier.evictNow();
        assertThat(tier.usedBytes()).isLessThanOrEqualTo(100_000);
        assertThat(bytesOnDisk()).isLessThanOrEqualTo(100_000);
      }
      assertThat(tier.pathOf(hotDigest)).exists();
      assertThat(stats.snapshot().get(ReadStat.DISK_EVICTIONS)).isGreaterThanOrEqualTo(31);
    }
  }

  @Test
  void aRestartRebuildsTheAccountingInTheBackgroundAndAppliesTheBound() throws Exception {
    long written = 0;
    try (DiskTier first = DiskTier.open(dir, 1 << 20, stats)) {
      for (int i = 0; i < 20; i++) {
        byte[] data = bytes(100 + i, 10_000 + i);
        first.put(Digest.sha256(data), data);
        written += data.length;
      }
    }
    try (DiskTier again = DiskTier.open(dir, 1 << 20, stats)) {
      again.rebuilt().get(10, TimeUnit.SECONDS);
      assertThat(again.usedBytes()).isEqualTo(written);
      assertThat(again.chunkCount()).isEqualTo(20);
    }
    // A smaller bound after the restart: the rebuilt accounting evicts down to it.
    try (DiskTier smaller = DiskTier.open(dir, 50_000, stats)) {
      smaller.rebuilt().get(10, TimeUnit.SECONDS);
      smaller.evictNow();
      assertThat(smaller.usedBytes()).isLessThanOrEqualTo(50_000);
      assertThat(bytesOnDisk()).isLessThanOrEqualTo(50_000);
    }
  }

  @Test
  void twoStoresOnOneDirectoryShareChunksAndTolerateEachOthersEviction() throws Exception {
    try (DiskTier a = DiskTier.open(dir, 200_000, stats);
        DiskTier b = DiskTier.open(dir, 200_000, stats);
        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      byte[] shared = bytes(3, 8_000);
      Digest d = Digest.sha256(shared);
      a.put(d, shared);
      assertThat(b.get(d)).isEqualTo(shared);
      Files.delete(b.pathOf(d)); // the other process evicted it
      assertThat(a.get(d)).isNull();

      // Both write and evict the same store at once: every read is either the chunk or a miss.
      List<Future<?>> work = new java.util.ArrayList<>();
      for (int t = 0; t < 4; t++) {
        DiskTier tier = t % 2 == 0 ? a : b;
        int base = t * 1000;
        work.add(pool.submit(() -> {
          for (int i = 0; i < 60; i++) {
            byte[] data = bytes(base + i % 30, 10_000);
            Digest digest = Digest.sha256(data);
            tier.put(digest, data);
            byte[] got = tier.get(digest);
            assertThat(got == null || java.util.Arrays.equals(got, data)).isTrue();
            if (i % 10 == 0) {
              tier.evictNow();
            }
          }
          return null;
        }));
      }
      for (Future<?> f : work) {
        f.get();
      }
      a.evictNow();
      b.evictNow();
      assertThat(a.usedBytes()).isLessThanOrEqualTo(200_000);
      assertThat(b.usedBytes()).isLessThanOrEqualTo(200_000);
      assertThat(filesUnder(dir).stream().map(p -> p.getFileName().toString()))
          .allMatch(name -> name.matches("[0-9a-f]{64}"));
    }
  }

  @Test
  void staleTemporaryFilesOfACrashedWriterAreRemovedByTheRebuild() throws Exception {
    Path prefix = Files.createDirectories(dir.resolve("chunks/sha256/ab"));
    Path stale = Files.write(prefix.resolve(".tmp-123"), new byte[100]);
    Files.setLastModifiedTime(stale, FileTime.fromMillis(0));
    Path live = Files.write(prefix.resolve(".tmp-456"), new byte[100]);

    try (DiskTier tier = DiskTier.open(dir, 1 << 20, stats)) {
      tier.rebuilt().get(10, TimeUnit.SECONDS);
      assertThat(stale).doesNotExist();
      assertThat(live).exists(); // may belong to a process writing right now
      assertThat(tier.usedBytes()).isZero();
    }
  }

  @Test
  void aFailedWriteIsCountedAndLeavesNothingBehind() throws IOException {
    byte[] data = bytes(4, 1_000);
    Digest d = Digest.sha256(data);
    try (DiskTier tier = DiskTier.open(dir, 1 << 20, stats)) {
      // A file where the prefix directory belongs: every write under it fails, as on a full disk.
      Files.write(dir.resolve("chunks/sha256/" + d.hex().substring(0, 2)), new byte[0]);

      assertThat(tier.put(d, data)).isFalse();
      assertThat(tier.get(d)).isNull();
      assertThat(stats.snapshot().get(ReadStat.DISK_WRITE_FAILURES)).isEqualTo(1);
    }
  }
}
