package dev.lazypull.lazyfs.stats;

import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The read path's counters at one instant: a value for every {@link ReadStat}, and the read
 * latency percentiles (which, unlike the counters, do not add up across mounts).
 */
public record StatsSnapshot(Map<ReadStat, Long> values, Latency latency) {

  public StatsSnapshot {
    EnumMap<ReadStat, Long> all = new EnumMap<>(ReadStat.class);
    for (ReadStat stat : ReadStat.values()) {
      Long v = values.get(stat);
      if (v == null) {
        throw new IllegalArgumentException("no value for " + stat);
      }
      all.put(stat, v);
    }
    values = Collections.unmodifiableMap(all);
  }

  public long get(ReadStat stat) {
    return values.get(stat);
  }

  /** Read latency percentiles in microseconds. */
  public record Latency(long p50, long p90, long p99, long p999, long max) {
    /** Named as {@code lazypull stats} prints them. */
    public Map<String, Long> asMap() {
      Map<String, Long> m = new LinkedHashMap<>();
      m.put("readLatencyP50Micros", p50);
      m.put("readLatencyP90Micros", p90);
      m.put("readLatencyP99Micros", p99);
      m.put("readLatencyP999Micros", p999);
      m.put("readLatencyMaxMicros", max);
      return m;
    }
  }

  /** Flat name/value pairs in a stable order (the counters by {@link ReadStat#key()}, then the latencies). */
  public Map<String, Long> asMap() {
    Map<String, Long> m = new LinkedHashMap<>();
    values.forEach((stat, v) -> m.put(stat.key(), v));
    m.putAll(latency.asMap());
    return m;
  }

  /** A compact JSON object (numbers only, so no escaping is needed). */
  public String toJson() {
    StringBuilder sb = new StringBuilder("{");
    asMap().forEach((k, v) -> sb.append(sb.length() > 1 ? "," : "").append('"').append(k).append("\":").append(v));
    return sb.append('}').toString();
  }
}
