package dev.lazypull.lazyfs.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lazypull.lazyfs.stats.ReadStat;
import dev.lazypull.oci.Digest;
import dev.lazypull.lazyfs.stats.ReadStats;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChunkCacheTest {
  @TempDir Path dir;
  private final ReadStats stats = new ReadStats();

  /** A loader that must not be called: every chunk is expected from the cache. */
  private static final ChunkCache.Loader UNREACHABLE = claims -> claims.values().forEach(
      f -> f.completeExceptionally(new IOException("the registry is unreachable")));

  private static byte[] chunk(int i, int size) {
    byte[] data = new byte[size];
    data[0] = (byte) i;
    data[1] = (byte) (i >> 8);
    return data;
  }

  @Test
  void memoryTierIsBoundedByBytes() throws IOException {
    try (ChunkCache cache = ChunkCache.open(1 << 20, null, 0, stats)) {
      for (int i = 0; i < 100; i++) {
        byte[] data = chunk(i, 64 << 10);
        cache.put(Digest.sha256(data), data);
      }
      assertThat(cache.memoryWeightedSize()).isLessThanOrEqualTo(1 << 20);
      assertThat(stats.snapshot().get(ReadStat.MEMORY_EVICTIONS)).isPositive();
      assertThat(stats.snapshot().get(ReadStat.MEMORY_CACHE_BYTES)).isLessThanOrEqualTo(1 << 20);
    }
  }

  @Test
  void chunksThatArriveLaterAreWeighedAndBoundedToo() throws IOException {
    try (ChunkCache cache = ChunkCache.open(1 << 20, null, 0, stats)) {
      for (int i = 0; i < 100; i++) {
        byte[] data = chunk(i, 64 << 10);
        Digest d = Digest.sha256(data);
        // In flight first (weighs nothing), then completed: Caffeine weighs it on completion.
        CompletableFuture<byte[]> pending = cache.claim(d);
        assertThat(pending).isNotNull();
        pending.complete(data);
      }
      assertThat(cache.memoryWeightedSize()).isLessThanOrEqualTo(1 << 20).isPositive();
      assertThat(stats.snapshot().get(ReadStat.MEMORY_EVICTIONS)).isGreaterThanOrEqualTo(80);
    }
  }

  @Test
  void aFailedFetchIsRemovedByTheCacheItself() throws IOException {
    byte[] data = chunk(13, 100);
    Digest d = Digest.sha256(data);
    try (ChunkCache cache = ChunkCache.open(1 << 20, null, 0, stats)) {
      CompletableFuture<byte[]> pending = cache.claim(d);
      pending.completeExceptionally(new IOException("404"));
      assertThat(cache.inMemory(d)).as("entry left after its failure").isFalse();
    }
  }

  @Test
  void aDiskHitIsPromotedToMemoryAndCounted() throws Exception {
    byte[] data = "chunk".getBytes();
    Digest d = Digest.sha256(data);
    try (ChunkCache writer = ChunkCache.open(1 << 20, dir, 1 << 20, stats)) {
      writer.put(d, data);
    }
    try (ChunkCache cache = ChunkCache.open(1 << 20, dir, 1 << 20, stats)) {
      assertThat(cache.getIfInMemory(d)).isNull();
      assertThat(cache.get(List.of(d), UNREACHABLE, stats).getFirst().get(5, TimeUnit.SECONDS)).isEqualTo(data);
      assertThat(cache.getIfInMemory(d)).isEqualTo(data);
      assertThat(cache.get(List.of(d), UNREACHABLE, stats).getFirst().getNow(null)).as("at once").isEqualTo(data);
    }
    assertThat(stats.snapshot().get(ReadStat.DISK_HITS)).isEqualTo(1);
    assertThat(stats.snapshot().get(ReadStat.MEMORY_HITS)).isEqualTo(1);
    assertThat(stats.snapshot().get(ReadStat.MEMORY_MISSES)).isEqualTo(1);
  }

  @Test
  void readersOfOneMissingChunkShareOneLoad() throws Exception {
    byte[] data = chunk(7, 10_000);
    Digest d = Digest.sha256(data);
    AtomicInteger loads = new AtomicInteger();
    CountDownLatch gate = new CountDownLatch(1);
    ChunkCache.Loader slow = claims -> {
      loads.incrementAndGet();
      Thread.ofVirtual().start(() -> {
        try {
          gate.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        claims.get(d).complete(data);
      });
    };
    int readers = 32;
    try (ChunkCache cache = ChunkCache.open(1 << 20, dir, 1 << 20, stats);
        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<byte[]>> results = new ArrayList<>();
      for (int i = 0; i < readers; i++) {
        results.add(pool.submit(() -> {
          start.await();
          return cache.get(List.of(d), slow, stats).getFirst().get(10, TimeUnit.SECONDS);
        }));
      }
      start.countDown();
      // Every reader has looked up while the one load is held, so all of them joined it.
      while (stats.snapshot().get(ReadStat.MEMORY_MISSES) < readers) {
        Thread.onSpinWait();
      }
      gate.countDown();
      for (Future<byte[]> r : results) {
        assertThat(r.get(10, TimeUnit.SECONDS)).isEqualTo(data);
      }
    }
    assertThat(loads).hasValue(1);
    assertThat(stats.snapshot().get(ReadStat.DISK_MISSES)).isEqualTo(1);
  }

  @Test
  void aFailedLoadLeavesNothingAndTheNextLookupLoadsAgain() throws Exception {
    byte[] data = chunk(8, 1000);
    Digest d = Digest.sha256(data);
    try (ChunkCache cache = ChunkCache.open(1 << 20, null, 0, stats)) {
      CompletableFuture<byte[]> failed = cache.get(List.of(d), UNREACHABLE, stats).getFirst();
      assertThat(failed).isCompletedExceptionally();
      assertThat(cache.getIfInMemory(d)).isNull();

      assertThat(cache.get(List.of(d), claims -> claims.get(d).complete(data), stats).getFirst().getNow(null)).as("at once").isEqualTo(data);
    }
  }

  @Test
  void aFullDiskWriteQueueDropsTheWriteAndStillServesFromMemory() throws Exception {
    byte[] data = chunk(9, 50_000);
    Digest d = Digest.sha256(data);
    // A queue smaller than one chunk is always full.
    try (ChunkCache cache = ChunkCache.open(1 << 20, dir, 1 << 20, 10_000, stats)) {
      assertThat(cache.get(List.of(d), claims -> claims.get(d).complete(data), stats).getFirst().get(5, TimeUnit.SECONDS))
          .isEqualTo(data);
      assertThat(cache.get(List.of(d), UNREACHABLE, stats).getFirst().getNow(null)).as("at once").isEqualTo(data);
    }
    assertThat(stats.snapshot().get(ReadStat.DISK_WRITES_DROPPED)).isEqualTo(1);
    assertThat(stats.snapshot().get(ReadStat.DISK_WRITE_FAILURES)).isZero();
    try (var files = Files.walk(dir)) {
      assertThat(files.filter(Files::isRegularFile)).isEmpty();
    }
  }

  @Test
  void fetchedChunksReachTheDiskForTheNextProcess() throws Exception {
    byte[] data = chunk(10, 20_000);
    Digest d = Digest.sha256(data);
    try (ChunkCache cache = ChunkCache.open(1 << 20, dir, 1 << 20, stats)) {
      cache.get(List.of(d), claims -> claims.get(d).complete(data), stats).getFirst().get(5, TimeUnit.SECONDS);
    } // close waits for the queued write
    try (ChunkCache next = ChunkCache.open(1 << 20, dir, 1 << 20, stats)) {
      assertThat(next.get(List.of(d), UNREACHABLE, stats).getFirst().get(5, TimeUnit.SECONDS)).isEqualTo(data);
    }
    assertThat(stats.snapshot().get(ReadStat.DISK_WRITES_DROPPED)).isZero();
  }

  @Test
  void aClaimIsRefusedForAChunkHeldInFlightOrOnDisk() throws Exception {
    byte[] onDisk = chunk(11, 1000);
    byte[] fresh = chunk(12, 1000);
    try (ChunkCache cache = ChunkCache.open(1 << 20, dir, 1 << 20, stats)) {
      cache.disk().put(Digest.sha256(onDisk), onDisk);
      assertThat(cache.claim(Digest.sha256(onDisk))).isNull();

      CompletableFuture<byte[]> mine = cache.claim(Digest.sha256(fresh));
      assertThat(mine).isNotNull();
      assertThat(cache.claim(Digest.sha256(fresh))).as("in flight").isNull();
      List<CompletableFuture<byte[]>> joined = cache.get(List.of(Digest.sha256(fresh)), UNREACHABLE, stats);
      assertThat(joined.getFirst()).isSameAs(mine);
      mine.complete(fresh);
      assertThat(cache.getIfInMemory(Digest.sha256(fresh))).isEqualTo(fresh);
    }
  }
}
