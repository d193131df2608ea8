package dev.lazypull.lazyfs.stats;

/**
 * Every counter of the read path, defined once: {@link ReadStats} records by it, {@link
 * StatsSnapshot} holds one value per constant, {@code lazypull stats} prints each under its {@link
 * #key()} (in this order) and the node agent exports each to Prometheus under the key's snake-case
 * name with its {@link #description()}. A counter added here appears in all of them.
 *
 * <p>Hits and misses are the mount's; evictions, dropped writes and the cache sizes are the chunk
 * cache's, shared with every mount of that cache. Byte counts of the prefetch and the background
 * fetch are uncompressed chunk bytes.
 */
public enum ReadStat {
  BYTES_FETCHED("bytesFetched", Kind.COUNTER, "compressed bytes received from the registry"),
  CHUNKS_FETCHED("chunksFetched", Kind.COUNTER, "chunks received from the registry"),
  RANGE_REQUESTS("rangeRequests", Kind.COUNTER, "Range requests answered by the registry"),
  RANGE_FAILURES("rangeFailures", Kind.COUNTER, "Range requests that failed"),
  MEMORY_HITS("memoryHits", Kind.COUNTER, "chunk lookups answered by the memory tier"),
  MEMORY_MISSES("memoryMisses", Kind.COUNTER, "chunk lookups the memory tier could not answer"),
  DISK_HITS("diskHits", Kind.COUNTER, "chunk lookups answered by the disk tier"),
  DISK_MISSES("diskMisses", Kind.COUNTER, "chunk lookups the disk tier could not answer"),
  DISK_WRITE_FAILURES("diskWriteFailures", Kind.COUNTER, "chunks the disk tier failed to write"),
  READS("reads", Kind.COUNTER, "FUSE reads served"),
  READ_ERRORS("readErrors", Kind.COUNTER, "FUSE reads answered with EIO"),
  BYTES_SERVED("bytesServed", Kind.COUNTER, "uncompressed bytes returned to readers"),
  VERIFICATION_FAILURES("verificationFailures", Kind.COUNTER, "chunks or frames whose bytes did not match the TOC"),
  FETCH_TIMEOUTS("fetchTimeouts", Kind.COUNTER, "fetches that passed their deadline"),
  MEMORY_EVICTIONS("memoryEvictions", Kind.COUNTER, "chunks that left the memory tier to keep it within its bound"),
  DISK_EVICTIONS("diskEvictions", Kind.COUNTER, "chunk files deleted to keep the disk tier within its bound"),
  DISK_WRITES_DROPPED("diskWritesDropped", Kind.COUNTER, "verified chunks not written to disk because the write queue was full"),
  MEMORY_CACHE_BYTES("memoryCacheBytes", Kind.GAUGE, "bytes held by the memory tier"),
  DISK_CACHE_BYTES("diskCacheBytes", Kind.GAUGE, "bytes held by the disk tier"),
  DEMAND_MISSES("demandMisses", Kind.COUNTER, "chunks foreground reads fetched themselves (neither cached nor already coming)"),
  PREFETCHED_BYTES("prefetchedBytes", Kind.COUNTER, "bytes the prefetch list fetched that no cache held"),
  PREFETCH_HIT_BYTES("prefetchHitBytes", Kind.COUNTER, "prefetched bytes that reads then used"),
  PREFETCH_WASTE_BYTES("prefetchWasteBytes", Kind.COUNTER, "prefetched bytes no read has used (yet)"),
  BACKGROUND_BYTES("backgroundBytes", Kind.COUNTER, "bytes the background fetch fetched that no cache held"),
  IMAGE_BYTES("imageBytes", Kind.COUNTER, "the image's distinct chunk bytes, counted when the background fetch starts"),
  LOCAL_BYTES("localBytes", Kind.COUNTER, "bytes of the image known to be in the node cache (0 without background fetch)");

  /**
   * How a metrics system should treat a value. A {@code COUNTER} is exported as a counter (a
   * {@code _total}) even where it is set once ({@code imageBytes}) or is a difference ({@code
   * prefetchWasteBytes}): its name is what dashboards use. A {@code GAUGE} is a size in bytes.
   */
  public enum Kind { COUNTER, GAUGE }

  private final String key;
  private final Kind kind;
  private final String description;

  ReadStat(String key, Kind kind, String description) {
    this.key = key;
    this.kind = kind;
    this.description = description;
  }

  /** The name in {@code lazypull stats} (and its {@code --json}). */
  public String key() {
    return key;
  }

  public Kind kind() {
    return kind;
  }

  public String description() {
    return description;
  }
}
