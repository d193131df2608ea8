package dev.lazypull.lazyfs.stats;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The read path's counters at one instant. {@code bytesFetched} counts compressed bytes received
 * from the registry; {@code bytesServed} counts uncompressed bytes returned to readers. Hits and
 * misses are the mount's; evictions, dropped writes and the {@code *CacheBytes} sizes are the
 * chunk cache's, shared with every mount of that cache.
 */
public record StatsSnapshot(
    long bytesFetched,
    long chunksFetched,
    long rangeRequests,
    long rangeFailures,
    long memoryHits,
    long memoryMisses,
    long diskHits,
    long diskMisses,
    long diskWriteFailures,
    long reads,
    long readErrors,
    long bytesServed,
    long verificationFailures,
    long fetchTimeouts,
    long memoryEvictions,
    long diskEvictions,
    long diskWritesDropped,
    long memoryCacheBytes,
    long diskCacheBytes,
    Prefetch prefetch,
    Latency readLatencyMicros) {

  /**
   * Start-up prefetch and background fetch. {@code demandMisses}: chunks foreground reads had to
   * fetch themselves (neither cached nor already coming). Byte counts are uncompressed chunk
   * bytes: {@code prefetchedBytes} fetched by the prefetch list, {@code prefetchHitBytes} of those
   * that reads then used, {@code backgroundBytes} fetched by the background fetch; {@code
   * localBytes} of the image's {@code imageBytes} are known to be in the node cache (counted by the
   * background fetch, so 0 when it is off).
   */
  public record Prefetch(long demandMisses, long prefetchedBytes, long prefetchHitBytes, long backgroundBytes,
      long imageBytes, long localBytes) {
    /** Prefetched bytes no read has used (yet). */
    public long wasteBytes() {
      return prefetchedBytes - prefetchHitBytes;
    }
  }

  /** Read latency percentiles in microseconds. */
  public record Latency(long p50, long p90, long p99, long p999, long max) {}

  /** Flat name/value pairs in a stable order, for the JSON and the table of {@code lazypull stats}. */
  public Map<String, Long> asMap() {
    Map<String, Long> m = new LinkedHashMap<>();
    m.put("bytesFetched", bytesFetched);
    m.put("chunksFetched", chunksFetched);
    m.put("rangeRequests", rangeRequests);
    m.put("rangeFailures", rangeFailures);
    m.put("memoryHits", memoryHits);
    m.put("memoryMisses", memoryMisses);
    m.put("diskHits", diskHits);
    m.put("diskMisses", diskMisses);
    m.put("diskWriteFailures", diskWriteFailures);
    m.put("reads", reads);
    m.put("readErrors", readErrors);
    m.put("bytesServed", bytesServed);
    m.put("verificationFailures", verificationFailures);
    m.put("fetchTimeouts", fetchTimeouts);
    m.put("memoryEvictions", memoryEvictions);
    m.put("diskEvictions", diskEvictions);
    m.put("diskWritesDropped", diskWritesDropped);
    m.put("memoryCacheBytes", memoryCacheBytes);
    m.put("diskCacheBytes", diskCacheBytes);
    m.put("demandMisses", prefetch.demandMisses());
    m.put("prefetchedBytes", prefetch.prefetchedBytes());
    m.put("prefetchHitBytes", prefetch.prefetchHitBytes());
    m.put("prefetchWasteBytes", prefetch.wasteBytes());
    m.put("backgroundBytes", prefetch.backgroundBytes());
    m.put("imageBytes", prefetch.imageBytes());
    m.put("localBytes", prefetch.localBytes());
    m.put("readLatencyP50Micros", readLatencyMicros.p50());
    m.put("readLatencyP90Micros", readLatencyMicros.p90());
    m.put("readLatencyP99Micros", readLatencyMicros.p99());
    m.put("readLatencyP999Micros", readLatencyMicros.p999());
    m.put("readLatencyMaxMicros", readLatencyMicros.max());
    return m;
  }

  /** A compact JSON object (numbers only, so no escaping is needed). */
  public String toJson() {
    StringBuilder sb = new StringBuilder("{");
    asMap().forEach((k, v) -> sb.append(sb.length() > 1 ? "," : "").append('"').append(k).append("\":").append(v));
    return sb.append('}').toString();
  }

  /** Parses what {@link #toJson()} wrote (the daemon's stats file); unknown keys are ignored. */
  public static StatsSnapshot fromMap(Map<String, ? extends Number> m) {
    java.util.function.ToLongFunction<String> g = k -> m.containsKey(k) ? m.get(k).longValue() : 0L;
    return new StatsSnapshot(
        g.applyAsLong("bytesFetched"),
        g.applyAsLong("chunksFetched"),
        g.applyAsLong("rangeRequests"),
        g.applyAsLong("rangeFailures"),
        g.applyAsLong("memoryHits"),
        g.applyAsLong("memoryMisses"),
        g.applyAsLong("diskHits"),
        g.applyAsLong("diskMisses"),
        g.applyAsLong("diskWriteFailures"),
        g.applyAsLong("reads"),
        g.applyAsLong("readErrors"),
        g.applyAsLong("bytesServed"),
        g.applyAsLong("verificationFailures"),
        g.applyAsLong("fetchTimeouts"),
        g.applyAsLong("memoryEvictions"),
        g.applyAsLong("diskEvictions"),
        g.applyAsLong("diskWritesDropped"),
        g.applyAsLong("memoryCacheBytes"),
        g.applyAsLong("diskCacheBytes"),
        new Prefetch(g.applyAsLong("demandMisses"), g.applyAsLong("prefetchedBytes"), g.applyAsLong("prefetchHitBytes"),
            g.applyAsLong("backgroundBytes"), g.applyAsLong("imageBytes"), g.applyAsLong("localBytes")),
        new Latency(
            g.applyAsLong("readLatencyP50Micros"),
            g.applyAsLong("readLatencyP90Micros"),
            g.applyAsLong("readLatencyP99Micros"),
            g.applyAsLong("readLatencyP999Micros"),
            g.applyAsLong("readLatencyMaxMicros")));
  }

  /** A human table, one counter a line. */
  public String toTable() {
    StringBuilder sb = new StringBuilder();
    asMap().forEach((k, v) -> sb.append(String.format(Locale.ROOT, "%-24s %d%n", k, v)));
    return sb.toString();
  }
}
