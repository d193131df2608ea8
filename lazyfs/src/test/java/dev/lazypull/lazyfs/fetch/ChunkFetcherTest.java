package dev.lazypull.lazyfs.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lazypull.format.ChunkLocation;
import dev.lazypull.lazyfs.stats.ReadStat;
import dev.lazypull.oci.BlobRangeSource;
import dev.lazypull.lazyfs.cache.ChunkCache;
import dev.lazypull.lazyfs.stats.ReadStats;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChunkFetcherTest {
  private static final FetchOptions OPTIONS = FetchOptions.defaults().withTimeout(Duration.ofSeconds(5));

  @TempDir Path cacheDir;
  private final List<AutoCloseable> open = new ArrayList<>();
  private final ReadStats stats = new ReadStats();

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : open.reversed()) {
      c.close();
    }
  }

  private ChunkFetcher fetcher(BlobRangeSource source, FetchOptions options) throws IOException {
    ChunkCache cache = ChunkCache.open(64 << 20, cacheDir, 1L << 30, stats);
    ChunkFetcher fetcher = new ChunkFetcher(source, cache, options, stats);
    open.add(cache);
    open.add(fetcher);
    return fetcher;
  }

  private static void assertChunks(TestLayer layer, List<byte[]> got) {
    assertThat(got).hasSize(layer.chunks().size());
    for (int i = 0; i < got.size(); i++) {
      assertThat(got.get(i)).as("chunk %d", i).isEqualTo(layer.plain(i));
    }
  }

  @Test
  void fetchesAdjacentChunksInOneVerifiedRange() throws IOException {
    TestLayer layer = TestLayer.of(1, 1000, 70_000, 5, 300_000);
    FakeRegistry registry = new FakeRegistry().with(layer);

    assertChunks(layer, fetcher(registry, OPTIONS).load(layer.chunks()));

    assertThat(registry.requests).containsExactly(new FakeRegistry.Request(layer.digest(), 0, layer.blob().length));
    assertThat(stats.snapshot().get(ReadStat.CHUNKS_FETCHED)).isEqualTo(4);
    assertThat(stats.snapshot().get(ReadStat.BYTES_FETCHED)).isEqualTo(layer.blob().length);
  }

  @Test
  void servesRepeatedReadsFromMemoryAndANewProcessFromDisk() throws Exception {
    TestLayer layer = TestLayer.of(3, 50_000, 60_000);
    FakeRegistry registry = new FakeRegistry().with(layer);
    ChunkFetcher first = fetcher(registry, OPTIONS);
    first.load(layer.chunks());
    first.load(layer.chunks());
    assertThat(registry.requests).hasSize(1);
    assertThat(stats.snapshot().get(ReadStat.MEMORY_HITS)).isEqualTo(2);
    close(); // waits for the disk writes, as a mount's shutdown does
    open.clear();

    FakeRegistry unreachable = new FakeRegistry();
    ReadStats before = stats;
    long diskHitsBefore = before.snapshot().get(ReadStat.DISK_HITS);
    assertChunks(layer, fetcher(unreachable, OPTIONS).load(layer.chunks()));
    assertThat(unreachable.requests).isEmpty();
    assertThat(stats.snapshot().get(ReadStat.DISK_HITS) - diskHitsBefore).isEqualTo(2);
  }

  @Test
  void concurrentReadersOfTheSameChunksShareOneFetch() throws Exception {
    TestLayer layer = TestLayer.of(4, 100_000, 100_000, 100_000);
    CountDownLatch gate = new CountDownLatch(1);
    FakeRegistry registry = new FakeRegistry().with(layer);
    registry.inject(FakeRegistry.heldUntil(gate, offset -> true), Integer.MAX_VALUE);
    ChunkFetcher fetcher = fetcher(registry, OPTIONS);
    int readers = 16;
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<List<byte[]>>> results = new ArrayList<>();
      for (int i = 0; i < readers; i++) {
        results.add(pool.submit(() -> fetcher.load(layer.chunks())));
      }
      // Every reader has missed memory while the fetches are held at the gate, so all join them.
      while (stats.snapshot().get(ReadStat.MEMORY_MISSES) < (long) readers * layer.chunks().size()) {
        Thread.onSpinWait();
      }
      gate.countDown();
      for (Future<List<byte[]>> r : results) {
        assertChunks(layer, r.get(10, TimeUnit.SECONDS));
      }
    }
    // Single-flight is per chunk: readers racing may claim different chunks of the read (then
    // each fetches its own), but no chunk is ever fetched twice.
    assertThat(stats.snapshot().get(ReadStat.CHUNKS_FETCHED)).isEqualTo(layer.chunks().size());
    assertThat(registry.requests).hasSizeBetween(1, layer.chunks().size());
    assertThat(fetcher.inFlightCount()).isZero();
  }

  @Test
  void aCorruptChunkOnDiskIsDeletedFetchedAgainAndReplaced() throws Exception {
    TestLayer layer = TestLayer.of(12, 40_000, 40_000);
    FakeRegistry registry = new FakeRegistry().with(layer);
    fetcher(registry, OPTIONS).load(layer.chunks());
    close(); // waits for the disk writes
    open.clear();
    ChunkLocation bad = layer.chunks().get(1);
    Path file = cacheDir.resolve("chunks/sha256/" + bad.digest().hex().substring(0, 2) + "/" + bad.digest().hex());
    byte[] truncated = java.util.Arrays.copyOf(layer.plain(1), 1000); // a partial file, as a power loss may leave
    java.nio.file.Files.write(file, truncated);

    assertChunks(layer, fetcher(registry, OPTIONS).load(layer.chunks()));

    assertThat(registry.requests).hasSize(2);
    assertThat(registry.requests.get(1)).isEqualTo(
        new FakeRegistry.Request(layer.digest(), bad.compressedOffset(), bad.compressedLength()));
    assertThat(stats.snapshot().get(ReadStat.VERIFICATION_FAILURES)).isEqualTo(1);
    assertThat(stats.snapshot().get(ReadStat.DISK_HITS)).isEqualTo(1);
    close();
    assertThat(java.nio.file.Files.readAllBytes(file)).isEqualTo(layer.plain(1));
  }

  @Test
  void aFullDiskWriteQueueStillServesEveryChunkFromMemory() throws Exception {
    TestLayer layer = TestLayer.of(13, 60_000, 60_000, 60_000);
    FakeRegistry registry = new FakeRegistry().with(layer);
    ChunkCache cache = ChunkCache.open(64 << 20, cacheDir, 1L << 30, 30_000, stats); // smaller than a chunk: always full
    ChunkFetcher fetcher = new ChunkFetcher(registry, cache, OPTIONS, stats);
    open.add(cache);
    open.add(fetcher);

    assertChunks(layer, fetcher.load(layer.chunks()));
    assertChunks(layer, fetcher.load(layer.chunks()));
    fetcher.close(); // the fetch threads have handed every chunk to the write queue

    assertThat(registry.requests).hasSize(1);
    assertThat(stats.snapshot().get(ReadStat.DISK_WRITES_DROPPED)).isEqualTo(3);
    assertThat(stats.snapshot().get(ReadStat.MEMORY_HITS)).isEqualTo(3);
    for (ChunkLocation c : layer.chunks()) {
      assertThat(cache.isOnDisk(c.digest())).isFalse();
    }
  }

  @Test
  void backgroundLookupsHoldAtMostTheirSlotsOfRequestsAndForegroundReadsPassThem() throws Exception {
    int[] sizes = new int[16];
    Arrays.fill(sizes, 10_000);
    TestLayer layer = TestLayer.of(14, sizes);
    CountDownLatch gate = new CountDownLatch(1);
    FakeRegistry registry = new FakeRegistry().with(layer);
    long foregroundOffset = layer.chunks().get(15).compressedOffset();
    registry.inject(FakeRegistry.heldUntil(gate, offset -> offset != foregroundOffset), Integer.MAX_VALUE);
    ChunkFetcher fetcher = fetcher(registry, OPTIONS.withMerging(1 << 20, 0).withReadahead(0));
    List<java.util.concurrent.CompletableFuture<List<byte[]>>> background = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      background.add(fetcher.get(List.of(layer.chunks().get(i)), Priority.BACKGROUND));
    }
    while (registry.requests.size() < ChunkFetcher.BACKGROUND_RANGES) {
      Thread.onSpinWait();
    }

    // A reader is not queued behind the prefetch: its request goes out while the background ones hang.
    assertThat(fetcher.load(List.of(layer.chunks().get(15))).getFirst()).isEqualTo(layer.plain(15));
    assertThat(registry.maxInFlight.get()).isEqualTo(ChunkFetcher.BACKGROUND_RANGES + 1);

    gate.countDown();
    for (int i = 0; i < 8; i++) {
      assertThat(background.get(i).get(10, TimeUnit.SECONDS).getFirst()).isEqualTo(layer.plain(i));
    }
    assertThat(registry.maxInFlight.get()).isEqualTo(ChunkFetcher.BACKGROUND_RANGES + 1);
  }

  /** {@link ChunkFetcher#awaitNoDemandFetch} on a thread of its own: done once the list may send again. */
  private Future<Boolean> listMayGo(ChunkFetcher fetcher) {
    return listMayGo(fetcher, 0);
  }

  private Future<Boolean> listMayGo(ChunkFetcher fetcher, long quietNanos) {
    ExecutorService waiter = Executors.newVirtualThreadPerTaskExecutor();
    open.add(waiter::shutdownNow);
    return waiter.submit(() -> {
      fetcher.awaitNoDemandFetch(quietNanos);
      return true;
    });
  }

  @Test
  void theListWaitsForAReadsRequestInFlightAndNotForItsOwnOrTheBackgrounds() throws Exception {
    TestLayer layer = TestLayer.of(16, 10_000, 10_000, 10_000);
    CountDownLatch gate = new CountDownLatch(1);
    FakeRegistry registry = new FakeRegistry().with(layer);
    long readOffset = layer.chunks().get(2).compressedOffset();
    registry.inject(FakeRegistry.heldUntil(gate, offset -> true), Integer.MAX_VALUE);
    ChunkFetcher fetcher = fetcher(registry, OPTIONS.withMerging(1 << 20, 0).withReadahead(0));
    var listed = fetcher.get(List.of(layer.chunks().get(0)), Priority.PREFETCH);
    var background = fetcher.get(List.of(layer.chunks().get(1)), Priority.BACKGROUND);
    while (registry.requests.size() < 2) {
      Thread.onSpinWait();
    }
    assertThat(listMayGo(fetcher).get(5, TimeUnit.SECONDS)).as("list and background requests in flight do not hold the list").isTrue();

    var read = fetcher.get(List.of(layer.chunks().get(2)));
    while (registry.requests.stream().noneMatch(r -> r.offset() == readOffset)) {
      Thread.onSpinWait();
    }
    Future<Boolean> waited = listMayGo(fetcher);
    Thread.sleep(100);
    assertThat(waited).as("a read's request is in flight").isNotDone();

    gate.countDown();
    assertThat(read.get(5, TimeUnit.SECONDS).getFirst()).isEqualTo(layer.plain(2));
    assertThat(waited.get(5, TimeUnit.SECONDS)).isTrue();
    // The read's request has ended; a list that wants a quiet spell after it waits that long.
    Future<Boolean> quiet = listMayGo(fetcher, TimeUnit.SECONDS.toNanos(2));
    Thread.sleep(300);
    assertThat(quiet).as("2 s have not passed since the read's request ended").isNotDone();
    assertThat(quiet.get(5, TimeUnit.SECONDS)).isTrue();
    assertThat(listed.get(5, TimeUnit.SECONDS).getFirst()).isEqualTo(layer.plain(0));
    assertThat(background.get(5, TimeUnit.SECONDS).getFirst()).isEqualTo(layer.plain(1));
  }

  @Test
  void aReadThatMissesOnlyListedChunksDoesNotHoldTheList() throws Exception {
    TestLayer layer = TestLayer.of(17, 10_000, 10_000);
    CountDownLatch gate = new CountDownLatch(1);
    FakeRegistry registry = new FakeRegistry().with(layer);
    registry.inject(FakeRegistry.heldUntil(gate, offset -> true), Integer.MAX_VALUE);
    ChunkFetcher fetcher = fetcher(registry, OPTIONS.withMerging(1 << 20, 0).withReadahead(0));
    fetcher.listIs(java.util.Set.of(layer.chunks().get(0).digest()));
    var read = fetcher.get(List.of(layer.chunks().get(0)));
    while (registry.requests.isEmpty()) {
      Thread.onSpinWait();
    }
    assertThat(listMayGo(fetcher).get(5, TimeUnit.SECONDS)).as("the recorded program outran its list: the list goes on").isTrue();

    var offList = fetcher.get(List.of(layer.chunks().get(1)));
    while (registry.requests.size() < 2) {
      Thread.onSpinWait();
    }
    Future<Boolean> waited = listMayGo(fetcher);
    Thread.sleep(100);
    assertThat(waited).as("a read of a chunk off the list is in flight").isNotDone();
    gate.countDown();
    assertThat(waited.get(5, TimeUnit.SECONDS)).isTrue();
    assertThat(read.get(5, TimeUnit.SECONDS).getFirst()).isEqualTo(layer.plain(0));
    assertThat(offList.get(5, TimeUnit.SECONDS).getFirst()).isEqualTo(layer.plain(1));
  }

  @Test
  void manyReadersOfOneMissingChunkCauseOneFetch() throws Exception {
    TestLayer layer = TestLayer.of(15, 100_000);
    CountDownLatch gate = new CountDownLatch(1);
    FakeRegistry registry = new FakeRegistry().with(layer);
    registry.inject(FakeRegistry.heldUntil(gate, offset -> true), Integer.MAX_VALUE);
    ChunkFetcher fetcher = fetcher(registry, OPTIONS);
    int readers = 64;
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<List<byte[]>>> results = new ArrayList<>();
      for (int i = 0; i < readers; i++) {
        results.add(pool.submit(() -> {
          start.await();
          return fetcher.load(layer.chunks());
        }));
      }
      start.countDown();
      while (stats.snapshot().get(ReadStat.MEMORY_MISSES) < readers) {
        Thread.onSpinWait();
      }
      gate.countDown();
      for (Future<List<byte[]>> r : results) {
        assertChunks(layer, r.get(10, TimeUnit.SECONDS));
      }
    }
    assertThat(registry.requests).hasSize(1);
    assertThat(stats.snapshot().get(ReadStat.DISK_MISSES)).isEqualTo(1);
  }

  @Test
  void aReaderJoinedToAFetchOfAnotherMountThatClosesFetchesTheChunkItself() throws Exception {
    TestLayer layer = TestLayer.of(16, 50_000, 50_000);
    ChunkCache shared = ChunkCache.open(64 << 20, cacheDir, 1L << 30, stats);
    open.add(shared);
    FakeRegistry hanging = new FakeRegistry().with(layer);
    hanging.inject(FakeRegistry.heldUntil(new CountDownLatch(1), offset -> true), Integer.MAX_VALUE);
    FakeRegistry answering = new FakeRegistry().with(layer);
    ChunkFetcher closing = new ChunkFetcher(hanging, shared, OPTIONS, new ReadStats());
    ChunkFetcher staying = new ChunkFetcher(answering, shared, OPTIONS, stats);
    open.add(staying);

    java.util.concurrent.CompletableFuture<List<byte[]>> first = closing.get(layer.chunks());
    while (hanging.requests.isEmpty()) {
      Thread.onSpinWait();
    }
    java.util.concurrent.CompletableFuture<List<byte[]>> joined = staying.get(layer.chunks());
    assertThat(joined).isNotDone();
    assertThat(answering.requests).isEmpty();

    closing.close();

    assertChunks(layer, joined.get(10, TimeUnit.SECONDS));
    assertThat(answering.requests).hasSize(1);
    assertThatThrownBy(() -> first.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(IOException.class);
  }

  @Test
  void mergesOnlyWithinTheGapAndSizeBounds() throws IOException {
    TestLayer layer = TestLayer.of(5, 20_000, 20_000, 20_000, 20_000, 20_000);
    FakeRegistry registry = new FakeRegistry().with(layer);
    List<ChunkLocation> c = layer.chunks();

    // Chunks 0, 2 and 4: the gaps are one chunk each, over a gap bound of 1 byte.
    fetcher(registry, OPTIONS.withMerging(1 << 20, 1)).load(List.of(c.get(0), c.get(2), c.get(4)));

    assertThat(registry.requests).hasSize(3);
  }

  @Test
  void corruptBytesAreRefetchedOnceAndNeverServed() throws IOException {
    TestLayer layer = TestLayer.of(7, 40_000, 40_000);
    FakeRegistry registry = new FakeRegistry().with(layer);
    registry.inject((b, o, l, truth) -> FakeRegistry.flipped(truth), 1);

    assertChunks(layer, fetcher(registry, OPTIONS).load(layer.chunks()));

    assertThat(stats.snapshot().get(ReadStat.VERIFICATION_FAILURES)).isPositive();
  }

  @Test
  void persistentCorruptionFailsTheReadAndCachesNothing() throws IOException {
    TestLayer layer = TestLayer.of(8, 40_000);
    FakeRegistry registry = new FakeRegistry().with(layer);
    registry.inject((b, o, l, truth) -> FakeRegistry.flipped(truth), Integer.MAX_VALUE);
    ChunkFetcher fetcher = fetcher(registry, OPTIONS);

    assertThatThrownBy(() -> fetcher.load(layer.chunks()))
        .isInstanceOf(ChunkVerificationException.class)
        .hasMessageContaining(layer.chunks().getFirst().digest().toString());
    assertThat(registry.requests).hasSize(2);
    assertThat(stats.snapshot().get(ReadStat.VERIFICATION_FAILURES)).isEqualTo(2);

    registry.heal();
    assertChunks(layer, fetcher.load(layer.chunks()));
    assertThat(registry.requests).hasSize(3);
  }

  @Test
  void aFrameHoldingAnotherLengthThanItsTocSaysFailsAtOnceWithoutRefetching() throws IOException {
    TestLayer layer = TestLayer.of(10, 40_000);
    ChunkLocation truth = layer.chunks().getFirst();
    // a hostile TOC: the right frame and digest, a wrong uncompressed length
    ChunkLocation lying = new ChunkLocation(truth.layer(), truth.compressedOffset(), truth.compressedLength(),
        truth.uncompressedOffset(), truth.uncompressedLength() + 1, truth.digest());
    FakeRegistry registry = new FakeRegistry().with(layer);
    ChunkFetcher fetcher = fetcher(registry, OPTIONS.withTimeout(Duration.ofMinutes(5)));

    assertThatThrownBy(() -> fetcher.load(List.of(lying)))
        .isInstanceOf(ChunkVerificationException.class)
        .hasMessageContaining("holds 40000 bytes, but the layer's TOC says 40001");
    assertThat(registry.requests).hasSize(1);
  }

  @Test
  void aFailedOrShortRangeFailsItsReadersAtOnceAndTheNextReadFetchesAfresh() throws IOException {
    // Retrying is the source's (the registry client's policy): the fetcher passes failures on.
    TestLayer layer = TestLayer.of(9, 30_000);
    FakeRegistry registry = new FakeRegistry().with(layer);
    registry.inject((b, o, l, truth) -> {
      if (registry.requests.size() == 1) {
        throw new IOException("connection reset");
      }
      return Arrays.copyOf(truth, truth.length / 2);
    }, 2);
    ChunkFetcher fetcher = fetcher(registry, OPTIONS);

    assertThatThrownBy(() -> fetcher.load(layer.chunks())).hasMessageContaining("connection reset");
    assertThatThrownBy(() -> fetcher.load(layer.chunks())).hasMessageContaining("bytes for a range of");
    assertChunks(layer, fetcher.load(layer.chunks()));

    assertThat(registry.requests).hasSize(3);
    assertThat(stats.snapshot().get(ReadStat.RANGE_FAILURES)).isEqualTo(2);
  }

  @Test
  void aStoppedRegistryFailsReadsInBoundedTimeAndRecovers() throws IOException {
    TestLayer layer = TestLayer.of(10, 30_000);
    FakeRegistry registry = new FakeRegistry().with(layer);
    registry.inject((b, o, l, truth) -> {
      throw new java.net.ConnectException("connection refused");
    }, Integer.MAX_VALUE);
    ChunkFetcher fetcher = fetcher(registry, OPTIONS.withTimeout(Duration.ofMillis(400)));

    long start = System.nanoTime();
    assertThatThrownBy(() -> fetcher.load(layer.chunks())).isInstanceOf(IOException.class);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));

    registry.heal();
    assertChunks(layer, fetcher.load(layer.chunks()));
  }

  @Test
  void aHangingRegistryTimesOutAndTheHungRequestIsInterrupted() throws Exception {
    TestLayer layer = TestLayer.of(11, 30_000);
    FakeRegistry registry = new FakeRegistry().with(layer);
    CountDownLatch interrupted = new CountDownLatch(1);
    registry.inject((b, o, l, truth) -> {
      try {
        new CountDownLatch(1).await(); // a peer that never answers
      } catch (InterruptedException e) {
        interrupted.countDown();
      }
      throw new IOException("gave up");
    }, 1);
    ChunkFetcher fetcher = fetcher(registry, OPTIONS.withTimeout(Duration.ofMillis(300)));

    long start = System.nanoTime();
    assertThatThrownBy(() -> fetcher.load(layer.chunks())).isInstanceOf(FetchTimeoutException.class);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
    assertThat(interrupted.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(stats.snapshot().get(ReadStat.FETCH_TIMEOUTS)).isEqualTo(1);

    // The registry answers again and so does the read.
    assertChunks(layer, fetcher.load(layer.chunks()));
  }
}
