package dev.lazypull.agent.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lazypull.lazyfs.stats.ReadStat;
import dev.lazypull.lazyfs.stats.ReadStats;
import org.junit.jupiter.api.Test;

class AgentMetricsTest {

  @Test
  void everyCounterIsExportedWithItsDescriptionAndValue() throws Exception {
    AgentMetrics metrics = new AgentMetrics();
    ReadStats stats = new ReadStats();
    stats.rangeFetched(1000, 3);
    stats.memoryHit();
    stats.memoryMiss();
    stats.diskHit();
    stats.cacheSizes(() -> 4096, () -> 8192);

    try (AutoCloseable bound = metrics.bind(stats, "/m")) {
      String scrape = metrics.scrape();
      for (ReadStat stat : ReadStat.values()) {
        String name = "lazypull_" + AgentMetrics.snake(stat.key()).replace('.', '_')
            + (stat.kind() == ReadStat.Kind.COUNTER ? "_total" : "");
        assertThat(scrape).as(stat.key())
            .contains("# HELP " + name + " " + stat.description() + "\n")
            .contains(name + "{mount=\"/m\"} " + (double) stats.value(stat) + "\n");
      }
      // names dashboards use, written out once here so that a renamed key fails
      assertThat(scrape).contains("lazypull_bytes_fetched_total{mount=\"/m\"} 1000.0")
          .contains("lazypull_memory_cache_bytes{mount=\"/m\"} 4096.0")
          .contains("lazypull_disk_cache_bytes{mount=\"/m\"} 8192.0")
          .contains("lazypull_prefetch_waste_bytes_total{mount=\"/m\"} 0.0")
          .contains("lazypull_cache_hit_ratio{mount=\"/m\"} 1.0");
    }
    assertThat(metrics.scrape()).doesNotContain("mount=\"/m\"");
  }
}
