package dev.lazypull.agent.metrics;

import dev.lazypull.lazyfs.stats.ReadStat;
import dev.lazypull.lazyfs.stats.ReadStats;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/**
 * The agent's Micrometer registry, scraped by Prometheus. The read path's counters are defined
 * once, in {@link ReadStat} (what {@code lazypull stats --json} prints); each becomes a meter here
 * by its key ({@code bytesFetched} -> {@code lazypull_bytes_fetched_total}) with its description,
 * tagged with the mount point, so a counter added there is exported without being written out
 * again. The meters read the mount's {@link ReadStats} when scraped: the read path records into
 * its own striped adders and pays nothing for Micrometer. The node cache's own events carry
 * {@code mount="node"}; sums over {@code mount} are the node's totals. Read and Range-request latencies are histograms (Prometheus buckets).
 */
public final class AgentMetrics {
  /** The {@code mount} tag of the node-wide chunk cache's own counters. */
  public static final String NODE = "node";
  private static final String PREFIX = "lazypull.";

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

  public MeterRegistry registry() {
    return registry;
  }

  /** The text exposition format Prometheus scrapes. */
  public String scrape() {
    return registry.scrape();
  }

  /** {@code lazypull_mounts}: how many mounts the agent serves. */
  public void mountCount(IntSupplier mounts) {
    Gauge.builder(PREFIX + "mounts", mounts::getAsInt).description("lazy mounts served by the agent").register(registry);
  }

  /**
   * Exports {@code stats} under {@code mount} until the returned handle is closed (the mount
   * went): its counters, its cache sizes, its read and fetch latency histograms.
   */
  public AutoCloseable bind(ReadStats stats, String mount) {
    Tags tags = Tags.of("mount", mount);
    List<Meter> meters = new ArrayList<>();
    // Latency percentiles are left out: they do not add up across mounts, the histograms below carry latency.
    for (ReadStat stat : ReadStat.values()) {
      String name = PREFIX + snake(stat.key());
      meters.add(switch (stat.kind()) {
        case GAUGE -> Gauge.builder(name, stats, s -> s.value(stat)).description(stat.description()).tags(tags)
            .baseUnit("bytes").register(registry);
        case COUNTER -> FunctionCounter.builder(name, stats, s -> s.value(stat)).description(stat.description()).tags(tags)
            .register(registry);
      });
    }
    meters.add(Gauge.builder(PREFIX + "cache.hit.ratio", stats, AgentMetrics::hitRatio).tags(tags)
        .description("chunk lookups answered from memory or disk, of all lookups").register(registry));
    Timer reads = latency("read.latency", "FUSE reads, from request to reply", tags);
    Timer fetches = latency("fetch.latency", "Range requests to the registry, from request to last byte", tags);
    meters.add(reads);
    meters.add(fetches);
    stats.observeLatencies(n -> reads.record(n, TimeUnit.NANOSECONDS), n -> fetches.record(n, TimeUnit.NANOSECONDS));
    return () -> {
      stats.observeLatencies(n -> {}, n -> {});
      meters.forEach(registry::remove);
    };
  }

  private Timer latency(String name, String description, Tags tags) {
    return Timer.builder(PREFIX + name).description(description).tags(tags)
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofNanos(10_000))
        .maximumExpectedValue(Duration.ofSeconds(60))
        .register(registry);
  }

  private static double hitRatio(ReadStats stats) {
    long hits = stats.value(ReadStat.MEMORY_HITS) + stats.value(ReadStat.DISK_HITS);
    long lookups = stats.value(ReadStat.MEMORY_HITS) + stats.value(ReadStat.MEMORY_MISSES);
    return lookups == 0 ? Double.NaN : (double) hits / lookups;
  }

  /** {@code bytesFetched} -> {@code bytes.fetched} (Micrometer's dotted name; Prometheus writes underscores). */
  static String snake(String camel) {
    return camel.replaceAll("([a-z0-9])([A-Z])", "$1.$2").toLowerCase(Locale.ROOT);
  }
}
