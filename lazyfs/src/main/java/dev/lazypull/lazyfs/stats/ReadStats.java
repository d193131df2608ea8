package dev.lazypull.lazyfs.stats;

import java.util.EnumMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;
import org.HdrHistogram.ConcurrentHistogram;

/**
 * The counters of one mount's read path. Every component of the path records into the same
 * instance; {@link #snapshot()} reads them all at once for {@code lazypull stats}. Recording is
 * lock-free (striped adders, a concurrent histogram) because it sits on every FUSE read.
 */
public final class ReadStats {
  // One adder per ReadStat (by ordinal); the few whose value comes from elsewhere are read in value().
  private final LongAdder[] counts = new LongAdder[ReadStat.values().length];
  private volatile long imageBytes;
  private volatile LongConsumer readLatencyObserver = nanos -> {};
  private volatile LongConsumer fetchLatencyObserver = nanos -> {};
  private volatile LongSupplier memoryCacheBytes = () -> 0L;
  private volatile LongSupplier diskCacheBytes = () -> 0L;
  // Latencies from 1 us to 10 min with 2 significant digits: enough for p50..p99.9 of reads.
  private final ConcurrentHistogram readLatencyMicros =
      new ConcurrentHistogram(TimeUnit.MINUTES.toMicros(10), 2);

  public ReadStats() {
    for (int i = 0; i < counts.length; i++) {
      counts[i] = new LongAdder();
    }
  }

  private LongAdder count(ReadStat stat) {
    return counts[stat.ordinal()];
  }

  /** One Range request answered with {@code bytes} bytes (compressed) carrying {@code chunks}. */
  public void rangeFetched(long bytes, int chunks) {
    count(ReadStat.RANGE_REQUESTS).increment();
    count(ReadStat.BYTES_FETCHED).add(bytes);
    count(ReadStat.CHUNKS_FETCHED).add(chunks);
  }

  /** As {@link #rangeFetched(long, int)}, answered after {@code nanos}. */
  public void rangeFetched(long bytes, int chunks, long nanos) {
    rangeFetched(bytes, chunks);
    fetchLatencyObserver.accept(nanos);
  }

  /**
   * Where every read's and every Range request's latency also goes, in nanoseconds (a metrics
   * registry's histograms: the node agent's Prometheus buckets).
   */
  public void observeLatencies(LongConsumer readNanos, LongConsumer fetchNanos) {
    this.readLatencyObserver = readNanos;
    this.fetchLatencyObserver = fetchNanos;
  }

  public void rangeFailed() {
    count(ReadStat.RANGE_FAILURES).increment();
  }

  public void memoryHit() {
    count(ReadStat.MEMORY_HITS).increment();
  }

  public void memoryMiss() {
    count(ReadStat.MEMORY_MISSES).increment();
  }

  public void diskHit() {
    count(ReadStat.DISK_HITS).increment();
  }

  public void diskMiss() {
    count(ReadStat.DISK_MISSES).increment();
  }

  public void diskWriteFailed() {
    count(ReadStat.DISK_WRITE_FAILURES).increment();
  }

  public void verificationFailed() {
    count(ReadStat.VERIFICATION_FAILURES).increment();
  }

  public void fetchTimedOut() {
    count(ReadStat.FETCH_TIMEOUTS).increment();
  }

  /** A chunk left the memory tier to keep it within its bound. */
  public void memoryEvicted() {
    count(ReadStat.MEMORY_EVICTIONS).increment();
  }

  /** A chunk file was deleted to keep the disk tier within its bound. */
  public void diskEvicted() {
    count(ReadStat.DISK_EVICTIONS).increment();
  }

  /** A verified chunk was not written to disk because the write queue was full (it stays served from memory). */
  public void diskWriteDropped() {
    count(ReadStat.DISK_WRITES_DROPPED).increment();
  }

  /** Where the sizes of the cache these counters describe are read (the cache registers them when it opens). */
  public void cacheSizes(LongSupplier memoryBytes, LongSupplier diskBytes) {
    this.memoryCacheBytes = memoryBytes;
    this.diskCacheBytes = diskBytes;
  }

  /** Foreground reads found {@code chunks} chunks neither cached nor in flight and fetched them themselves. */
  public void demandMissed(int chunks) {
    count(ReadStat.DEMAND_MISSES).add(chunks);
  }

  /** The prefetch list fetched a chunk of {@code bytes} (uncompressed) that no cache held. */
  public void prefetched(long bytes) {
    count(ReadStat.PREFETCHED_BYTES).add(bytes);
  }

  /** A read used, for the first time, a chunk of {@code bytes} that the prefetch list had fetched. */
  public void prefetchHit(long bytes) {
    count(ReadStat.PREFETCH_HIT_BYTES).add(bytes);
  }

  /** The background fetch fetched a chunk of {@code bytes} (uncompressed) that no cache held. */
  public void backgroundFetched(long bytes) {
    count(ReadStat.BACKGROUND_BYTES).add(bytes);
  }

  /** The image's distinct chunk bytes (uncompressed), counted when the background fetch starts. */
  public void imageBytes(long bytes) {
    imageBytes = bytes;
  }

  /** {@code bytes} more of the image are known to be in the node cache (the background fetch's count). */
  public void becameLocal(long bytes) {
    count(ReadStat.LOCAL_BYTES).add(bytes);
  }

  /** A read served {@code bytes} bytes after {@code nanos}. */
  public void readServed(long bytes, long nanos) {
    count(ReadStat.READS).increment();
    count(ReadStat.BYTES_SERVED).add(bytes);
    recordLatency(nanos);
  }

  /** A read failed (EIO) after {@code nanos}. */
  public void readFailed(long nanos) {
    count(ReadStat.READ_ERRORS).increment();
    recordLatency(nanos);
  }

  private void recordLatency(long nanos) {
    readLatencyObserver.accept(nanos);
    long micros = Math.max(1, TimeUnit.NANOSECONDS.toMicros(nanos));
    readLatencyMicros.recordValue(Math.min(micros, readLatencyMicros.getHighestTrackableValue()));
  }

  /** One counter's value now, without taking a whole snapshot (what a metrics scrape reads). */
  public long value(ReadStat stat) {
    return switch (stat) {
      case MEMORY_CACHE_BYTES -> memoryCacheBytes.getAsLong();
      case DISK_CACHE_BYTES -> diskCacheBytes.getAsLong();
      case IMAGE_BYTES -> imageBytes;
      case PREFETCH_WASTE_BYTES -> count(ReadStat.PREFETCHED_BYTES).sum() - count(ReadStat.PREFETCH_HIT_BYTES).sum();
      default -> count(stat).sum();
    };
  }

  public StatsSnapshot snapshot() {
    EnumMap<ReadStat, Long> values = new EnumMap<>(ReadStat.class);
    for (ReadStat stat : ReadStat.values()) {
      values.put(stat, value(stat));
    }
    return new StatsSnapshot(values, new StatsSnapshot.Latency(
        readLatencyMicros.getValueAtPercentile(50),
        readLatencyMicros.getValueAtPercentile(90),
        readLatencyMicros.getValueAtPercentile(99),
        readLatencyMicros.getValueAtPercentile(99.9),
        readLatencyMicros.getMaxValue()));
  }
}
