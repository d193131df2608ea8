package dev.lazypull.lazyfs.stats;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ReadStatsTest {

  @Test
  void percentilesFollowTheRecordedLatencies() {
    ReadStats stats = new ReadStats();
    for (int i = 1; i <= 100; i++) {
      stats.readServed(4096, TimeUnit.MICROSECONDS.toNanos(i * 10L));
    }
    StatsSnapshot.Latency l = stats.snapshot().latency();
    assertThat(l.p50()).isBetween(495L, 505L);
    assertThat(l.p99()).isBetween(985L, 995L);
    assertThat(l.max()).isBetween(995L, 1005L);
    assertThat(stats.snapshot().get(ReadStat.BYTES_SERVED)).isEqualTo(409_600);
    assertThat(stats.snapshot().get(ReadStat.READS)).isEqualTo(100);
  }

  @Test
  void eachRecordingLandsInItsOwnCounter() {
    ReadStats stats = new ReadStats();
    stats.rangeFetched(1000, 3);
    stats.memoryHit();
    stats.diskMiss();
    stats.diskMiss();
    stats.verificationFailed();
    stats.readFailed(5_000_000);
    stats.prefetched(300);
    stats.prefetchHit(100);
    stats.imageBytes(7000);
    stats.imageBytes(9000);
    stats.cacheSizes(() -> 11, () -> 12);

    StatsSnapshot s = stats.snapshot();

    assertThat(s.get(ReadStat.BYTES_FETCHED)).isEqualTo(1000);
    assertThat(s.get(ReadStat.CHUNKS_FETCHED)).isEqualTo(3);
    assertThat(s.get(ReadStat.RANGE_REQUESTS)).isEqualTo(1);
    assertThat(s.get(ReadStat.MEMORY_HITS)).isEqualTo(1);
    assertThat(s.get(ReadStat.DISK_MISSES)).isEqualTo(2);
    assertThat(s.get(ReadStat.VERIFICATION_FAILURES)).isEqualTo(1);
    assertThat(s.get(ReadStat.READ_ERRORS)).isEqualTo(1);
    assertThat(s.get(ReadStat.READS)).isZero();
    assertThat(s.get(ReadStat.PREFETCH_WASTE_BYTES)).isEqualTo(200);
    assertThat(s.get(ReadStat.IMAGE_BYTES)).as("set, not added").isEqualTo(9000);
    assertThat(s.get(ReadStat.MEMORY_CACHE_BYTES)).isEqualTo(11);
    assertThat(s.get(ReadStat.DISK_CACHE_BYTES)).isEqualTo(12);
    for (ReadStat stat : ReadStat.values()) {
      assertThat(stats.value(stat)).as(stat.key()).isEqualTo(s.get(stat));
    }
  }

  @Test
  void theJsonCarriesEveryCounterByItsKey() throws Exception {
    ReadStats stats = new ReadStats();
    stats.rangeFetched(1000, 3);
    stats.memoryHit();
    stats.readFailed(5_000_000);
    StatsSnapshot s = stats.snapshot();

    // Jackson reads small numbers as Integer: compare as longs.
    Map<String, Number> parsed = new ObjectMapper().readValue(s.toJson(), new TypeReference<Map<String, Number>>() {});

    for (ReadStat stat : ReadStat.values()) {
      assertThat(parsed.get(stat.key()).longValue()).as(stat.key()).isEqualTo(s.get(stat));
    }
    assertThat(parsed.get("readLatencyMaxMicros").longValue()).isEqualTo(s.latency().max());
    assertThat(parsed).hasSize(ReadStat.values().length + 5);
  }

  /** The keys of {@code lazypull stats --json}, in their order: scripts and tests read them, so they do not change. */
  @Test
  void theKeysAreTheOnesUsersRead() {
    assertThat(new ReadStats().snapshot().asMap().keySet()).containsExactly(
        "bytesFetched", "chunksFetched", "rangeRequests", "rangeFailures", "memoryHits", "memoryMisses", "diskHits",
        "diskMisses", "diskWriteFailures", "reads", "readErrors", "bytesServed", "verificationFailures", "fetchTimeouts",
        "memoryEvictions", "diskEvictions", "diskWritesDropped", "memoryCacheBytes", "diskCacheBytes", "demandMisses",
        "prefetchedBytes", "prefetchHitBytes", "prefetchWasteBytes", "backgroundBytes", "imageBytes", "localBytes",
        "readLatencyP50Micros", "readLatencyP90Micros", "readLatencyP99Micros", "readLatencyP999Micros", "readLatencyMaxMicros");
    assertThat(Arrays.stream(ReadStat.values()).map(ReadStat::description)).allMatch(d -> !d.isBlank());
  }
}
