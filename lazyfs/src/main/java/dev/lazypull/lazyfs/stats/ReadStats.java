package dev.lazypull.lazyfs.stats;

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
  private final LongAdder bytesFetched = new LongAdder();
  private final LongAdder chunksFetched = new LongAdder();
  private final LongAdder rangeRequests = new LongAdder();
  private final LongAdder rangeFailures = new LongAdder();
  private final LongAdder memoryHits = new LongAdder();
  private final LongAdder memoryMisses = new LongAdder();
  private final LongAdder diskHits = new LongAdder();
  private final LongAdder diskMisses = new LongAdder();
  private final LongAdder diskWriteFailures = new LongAdder();
  private final LongAdder bytesServed = new LongAdder();
  private final LongAdder reads = new LongAdder();
  private final LongAdder readErrors = new LongAdder();
  private final LongAdder verificationFailures = new LongAdder();
  private final LongAdder fetchTimeouts = new LongAdder();
  private final LongAdder demandMisses = new LongAdder();
  private final LongAdder prefetchedBytes = new LongAdder();
  private final LongAdder prefetchHitBytes = new LongAdder();
  private final LongAdder backgroundBytes = new LongAdder();
  private final java.util.concurrent.atomic.AtomicLong imageBytes = new java.util.concurrent.atomic.AtomicLong();
  private final LongAdder localBytes = new LongAdder();
  private final LongAdder memoryEvictions = new LongAdder();
  private final LongAdder diskEvictions = new LongAdder();
  private final LongAdder diskWritesDropped = new LongAdder();
  private volatile LongConsumer readLatencyObserver = nanos -> {};
  private volatile LongConsumer fetchLatencyObserver = nanos -> {};
  private volatile LongSupplier memoryCacheBytes = () -> 0L;
  private volatile LongSupplier diskCacheBytes = () -> 0L;
  // Latencies from 1 us to 10 min with 2 significant digits: enough for p50..p99.9 of reads.
  private final ConcurrentHistogram readLatencyMicros =
      new ConcurrentHistogram(TimeUnit.MINUTES.toMicros(10), 2);

  /** One Range request answered with {@code bytes} bytes (compressed) carrying {@code chunks}. */
  public void rangeFetched(long bytes, int chunks) {
    rangeRequests.increment();
    bytesFetched.add(bytes);
    chunksFetched.add(chunks);
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
    rangeFailures.increment();
  }

  public void memoryHit() {
    memoryHits.increment();
  }

  public void memoryMiss() {
    memoryMisses.increment();
  }

  public void diskHit() {
    diskHits.increment();
  }

  public void diskMiss() {
    diskMisses.increment();
  }

  public void diskWriteFailed() {
    diskWriteFailures.increment();
  }

  public void verificationFailed() {
    verificationFailures.increment();
  }

  public void fetchTimedOut() {
    fetchTimeouts.increment();
  }

  /** A chunk left the memory tier to keep it within its bound. */
  public void memoryEvicted() {
    memoryEvictions.increment();
  }

  /** A chunk file was deleted to keep the disk tier within its bound. */
  public void diskEvicted() {
    diskEvictions.increment();
  }

  /** A verified chunk was not written to disk because the write queue was full (it stays served from memory). */
  public void diskWriteDropped() {
    diskWritesDropped.increment();
  }

  /** Where the sizes of the cache these counters describe are read (the cache registers them when it opens). */
  public void cacheSizes(LongSupplier memoryBytes, LongSupplier diskBytes) {
    this.memoryCacheBytes = memoryBytes;
    this.diskCacheBytes = diskBytes;
  }

  /** Foreground reads found {@code chunks} chunks neither cached nor in flight and fetched them themselves. */
  public void demandMissed(int chunks) {
    demandMisses.add(chunks);
  }

  /** The prefetch list fetched a chunk of {@code bytes} (uncompressed) that no cache held. */
  public void prefetched(long bytes) {
    prefetchedBytes.add(bytes);
  }

  /** A read used, for the first time, a chunk of {@code bytes} that the prefetch list had fetched. */
  public void prefetchHit(long bytes) {
    prefetchHitBytes.add(bytes);
  }

  /** The background fetch fetched a chunk of {@code bytes} (uncompressed) that no cache held. */
  public void backgroundFetched(long bytes) {
    backgroundBytes.add(bytes);
  }

  /** The image's distinct chunk bytes (uncompressed), counted when the background fetch starts. */
  public void imageBytes(long bytes) {
    imageBytes.set(bytes);
  }

  /** {@code bytes} more of the image are known to be in the node cache (the background fetch's count). */
  public void becameLocal(long bytes) {
    localBytes.add(bytes);
  }

  /** A read served {@code bytes} bytes after {@code nanos}. */
  public void readServed(long bytes, long nanos) {
    reads.increment();
    bytesServed.add(bytes);
    recordLatency(nanos);
  }

  /** A read failed (EIO) after {@code nanos}. */
  public void readFailed(long nanos) {
    readErrors.increment();
    recordLatency(nanos);
  }

  private void recordLatency(long nanos) {
    readLatencyObserver.accept(nanos);
    long micros = Math.max(1, TimeUnit.NANOSECONDS.toMicros(nanos));
    readLatencyMicros.recordValue(Math.min(micros, readLatencyMicros.getHighestTrackableValue()));
  }

  public StatsSnapshot snapshot() {
    return new StatsSnapshot(
        bytesFetched.sum(),
        chunksFetched.sum(),
        rangeRequests.sum(),
        rangeFailures.sum(),
        memoryHits.sum(),
        memoryMisses.sum(),
        diskHits.sum(),
        diskMisses.sum(),
        diskWriteFailures.sum(),
        reads.sum(),
        readErrors.sum(),
        bytesServed.sum(),
        verificationFailures.sum(),
        fetchTimeouts.sum(),
        memoryEvictions.sum(),
        diskEvictions.sum(),
        diskWritesDropped.sum(),
        memoryCacheBytes.getAsLong(),
        diskCacheBytes.getAsLong(),
        new StatsSnapshot.Prefetch(demandMisses.sum(), prefetchedBytes.sum(), prefetchHitBytes.sum(), backgroundBytes.sum(),
            imageBytes.get(), localBytes.sum()),
        new StatsSnapshot.Latency(
            readLatencyMicros.getValueAtPercentile(50),
            readLatencyMicros.getValueAtPercentile(90),
            readLatencyMicros.getValueAtPercentile(99),
            readLatencyMicros.getValueAtPercentile(99.9),
            readLatencyMicros.getMaxValue()));
  }
}
