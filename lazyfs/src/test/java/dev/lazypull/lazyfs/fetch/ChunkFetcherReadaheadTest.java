package dev.lazypull.lazyfs.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lazypull.format.ChunkLocation;
import dev.lazypull.lazyfs.cache.ChunkCache;
import dev.lazypull.lazyfs.stats.ReadStat;
import dev.lazypull.lazyfs.stats.ReadStats;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Readahead: a miss also takes the following frames of its layer, within the budget. */
class ChunkFetcherReadaheadTest {
  private static final FetchOptions OPTIONS = FetchOptions.defaults().withTimeout(Duration.ofSeconds(5));

  @TempDir Path cacheDir;
  private final List<AutoCloseable> open = new ArrayList<>();
  private final ReadStats stats = new ReadStats();
  private final TestLayer layer = TestLayer.of(21, 20_000, 20_000, 20_000, 20_000, 20_000, 20_000);
  private final FakeRegistry registry = new FakeRegistry().with(layer);
  private ChunkCache cache;

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : open.reversed()) {
      c.close();
    }
    open.clear();
  }

  private ChunkFetcher fetcher(int readaheadBytes) throws IOException {
    cache = ChunkCache.open(64 << 20, cacheDir, 1L << 30, stats);
    ChunkFetcher fetcher = new ChunkFetcher(registry, cache, OPTIONS.withReadahead(readaheadBytes), stats, layer.frames());
    open.add(cache);
    open.add(fetcher);
    return fetcher;
  }

  private ChunkLocation chunk(int i) {
    return layer.chunks().get(i);
  }

  private FakeRegistry.Request request(int from, int to) {
    return new FakeRegistry.Request(layer.digest(), chunk(from).compressedOffset(), layer.compressedBytes(from, to));
  }

  private void assertServes(ChunkFetcher fetcher, int... chunks) throws IOException {
    for (int i : chunks) {
      assertThat(fetcher.load(List.of(chunk(i))).getFirst()).as("chunk %d", i).isEqualTo(layer.plain(i));
    }
  }

  private static void awaitIdle(ChunkFetcher fetcher) {
    while (fetcher.inFlightCount() > 0) {
      Thread.onSpinWait();
    }
  }

  @Test
  void followingFramesComeInTheSameRequestAndAreServedFromMemory() throws IOException {
    ChunkFetcher fetcher = fetcher(1 << 20);

    assertServes(fetcher, 0);
    awaitIdle(fetcher);
    assertServes(fetcher, 1, 2, 3, 4, 5);

    assertThat(registry.requests).containsExactly(request(0, 6));
    assertThat(stats.snapshot().get(ReadStat.CHUNKS_FETCHED)).isEqualTo(6);
    assertThat(stats.snapshot().get(ReadStat.MEMORY_HITS)).isEqualTo(5);
  }

  @Test
  void readaheadFramesReachTheDiskTierForTheNextProcess() throws Exception {
    fetcher(1 << 20).load(List.of(chunk(0)));
    close(); // waits for the disk writes

    FakeRegistry unreachable = new FakeRegistry();
    ChunkCache next = ChunkCache.open(64 << 20, cacheDir, 1L << 30, stats);
    open.add(next);
    ChunkFetcher fromDisk = new ChunkFetcher(unreachable, next, OPTIONS, stats, layer.frames());
    open.add(fromDisk);
    for (int i = 0; i < 6; i++) {
      assertThat(fromDisk.load(List.of(chunk(i))).getFirst()).isEqualTo(layer.plain(i));
    }
    assertThat(unreachable.requests).isEmpty();
  }

  @Test
  void theBudgetBoundsTheExtraBytes() throws IOException {
    // Room for frames 1 and 2 but one byte short of frame 3.
    ChunkFetcher fetcher = fetcher(layer.compressedBytes(1, 4) - 1);

    assertServes(fetcher, 0);
    awaitIdle(fetcher);
    assertServes(fetcher, 1, 2, 3);

    assertThat(registry.requests).containsExactly(request(0, 3), request(3, 6));
  }

  @Test
  void zeroDisablesReadahead() throws IOException {
    ChunkFetcher fetcher = fetcher(0);

    assertServes(fetcher, 0, 1);

    assertThat(registry.requests).containsExactly(request(0, 1), request(1, 2));
  }

  @Test
  void stopsAtTheFirstCachedFrame() throws IOException {
    ChunkFetcher fetcher = fetcher(1 << 20);

    assertServes(fetcher, 3); // reads 3..5 ahead
    awaitIdle(fetcher);
    assertServes(fetcher, 0); // reads 1 and 2 ahead, stops at 3
    awaitIdle(fetcher);
    assertServes(fetcher, 1, 2, 4, 5);

    assertThat(registry.requests).containsExactly(request(3, 6), request(0, 3));
  }

  @Test
  void stopsAtAFrameOnDiskOnly() throws Exception {
    fetcher(1 << 20).load(List.of(chunk(4)));
    close();

    ChunkFetcher fresh = fetcher(1 << 20); // same directory, empty memory tier
    assertServes(fresh, 1);

    assertThat(registry.requests).containsExactly(request(4, 6), request(1, 4));
  }

  @Test
  void stopsAtAFrameInFlightAndItsReadersJoinThatFetch() throws Exception {
    CountDownLatch gate = new CountDownLatch(1);
    long heldOffset = chunk(2).compressedOffset();
    registry.inject(FakeRegistry.heldUntil(gate, offset -> offset == heldOffset), Integer.MAX_VALUE);
    ChunkFetcher fetcher = fetcher(1 << 20);
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      Future<List<byte[]>> held = pool.submit(() -> fetcher.load(List.of(chunk(2)))); // takes 3..5 ahead
      while (fetcher.inFlightCount() < 4) {
        Thread.onSpinWait();
      }
      assertServes(fetcher, 0); // takes 1 ahead, stops at 2 (in flight)
      long missesBefore = stats.snapshot().get(ReadStat.MEMORY_MISSES);
      Future<List<byte[]>> joiner = pool.submit(() -> fetcher.load(List.of(chunk(4))));
      while (stats.snapshot().get(ReadStat.MEMORY_MISSES) == missesBefore) {
        Thread.onSpinWait();
      }
      gate.countDown();
      assertThat(held.get(10, TimeUnit.SECONDS).getFirst()).isEqualTo(layer.plain(2));
      assertThat(joiner.get(10, TimeUnit.SECONDS).getFirst()).isEqualTo(layer.plain(4));
    }

    assertThat(registry.requests).containsExactlyInAnyOrder(request(2, 6), request(0, 2));
  }

  @Test
  void aCorruptReadaheadFrameIsNeverCachedOrServedAndTheDemandedReadSucceeds() throws Exception {
    ChunkLocation bad = chunk(3);
    registry.inject((b, o, l, truth) -> {
      long at = bad.compressedOffset() + bad.compressedLength() / 2 - o;
      if (at >= 0 && at < l) {
        truth[(int) at] ^= 0x5a;
      }
      return truth;
    }, Integer.MAX_VALUE);
    ChunkFetcher fetcher = fetcher(1 << 20);

    assertServes(fetcher, 0);
    awaitIdle(fetcher);

    assertThat(cache.getIfInMemory(bad.digest())).isNull();
    assertThat(cache.isOnDisk(bad.digest())).isFalse();
    assertThat(stats.snapshot().get(ReadStat.VERIFICATION_FAILURES)).isEqualTo(2); // the range, then the frame alone
    assertThatThrownBy(() -> fetcher.load(List.of(bad))).isInstanceOf(ChunkVerificationException.class);
    // The good frames around it were kept.
    assertThat(cache.getIfInMemory(chunk(4).digest())).isEqualTo(layer.plain(4));
    assertThat(registry.requests).startsWith(request(0, 6), request(3, 4));
  }
}
