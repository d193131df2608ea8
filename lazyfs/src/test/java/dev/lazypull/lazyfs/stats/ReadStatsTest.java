package dev.lazypull.lazyfs.stats;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
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
    StatsSnapshot.Latency l = stats.snapshot().readLatencyMicros();
    assertThat(l.p50()).isBetween(495L, 505L);
    assertThat(l.p99()).isBetween(985L, 995L);
    assertThat(l.max()).isBetween(995L, 1005L);
    assertThat(stats.snapshot().bytesServed()).isEqualTo(409_600);
  }

  @Test
  void theJsonReadsBackIntoTheSameSnapshot() throws Exception {
    ReadStats stats = new ReadStats();
    stats.rangeFetched(1000, 3);
    stats.memoryHit();
    stats.diskMiss();
    stats.verificationFailed();
    stats.readFailed(5_000_000);
    StatsSnapshot s = stats.snapshot();

    Map<String, Long> parsed = new ObjectMapper().readValue(s.toJson(), new TypeReference<Map<String, Long>>() {});

    assertThat(StatsSnapshot.fromMap(parsed)).isEqualTo(s);
    assertThat(s.toTable()).contains("bytesFetched             1000");
  }
}
