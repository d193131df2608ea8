package dev.lazypull.agent.metrics;

import dev.lazypull.lazyfs.stats.ReadStats;
import dev.lazypull.lazyfs.stats.StatsSnapshot;
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
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/**
 * The agent's Micrometer registry, scraped by Prometheus. The read path's counters are defined
 * once, in {@link StatsSnapshot#asMap()} (what {@code lazypull stats --json} prints); each becomes
 * a meter here by its name ({@code bytesFetched} -> {@code lazypull_bytes_fetched_total}), tagged
 * with the mount point, so a counter added to the snapshot is exported without being written out
 * again. The node cache's own events carry {@code mount="node"}; sums over {@code mount} are the
 * node's totals. Read and Range-request latencies are histograms (Prometheus buckets).
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
    for (String key : stats.snapshot().asMap().keySet()) {
      if (key.startsWith("readLatency")) {
        continue; // percentiles do not add up across mounts: the histograms below carry latency
      }
      String name = PREFIX + snake(key);
      if (key.endsWith("CacheBytes")) {
        meters.add(Gauge.builder(name, stats, s -> value(s, key)).tags(tags).baseUnit("bytes").register(registry));
      } else {
        meters.add(FunctionCounter.builder(name, stats, s -> value(s, key)).tags(tags).register(registry));
      }
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

  private static double value(ReadStats stats, String key) {
    Long v = stats.snapshot().asMap().get(key);
    return v == null ? 0 : v;
  }

  private static double hitRatio(ReadStats stats) {
    Map<String, Long> m = stats.snapshot().asMap();
    long hits = m.getOrDefault("memoryHits", 0L) + m.getOrDefault("diskHits", 0L);
    long lookups = m.getOrDefault("memoryHits", 0L) + m.getOrDefault("memoryMisses", 0L);
    return lookups == 0 ? Double.NaN : (double) hits / lookups;
  }

  /** {@code bytesFetched} -> {@code bytes.fetched} (Micrometer's dotted name; Prometheus writes underscores). */
  static String snake(String camel) {
    return camel.replaceAll("([a-z0-9])([A-Z])", "$1.$2").toLowerCase(Locale.ROOT);
  }
}
