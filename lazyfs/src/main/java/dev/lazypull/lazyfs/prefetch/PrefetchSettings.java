package dev.lazypull.lazyfs.prefetch;

/**
 * What a mount fetches before and besides reads. {@code list}: the image's recorded start-up list
 * first, as large Range requests in first-read order, at most {@code listBatches} of them
 * outstanding (below the registry client's 8 requests per host, so reads always find a free one),
 * none sent while a read's own request for a chunk off the list is in flight or ended less than
 * 100 ms ago. {@code background}: then the rest of every layer at the
 * fetcher's background priority, so that a running container stops depending on the registry
 * (only with a disk cache, where the chunks can stay), {@code batchBytes} at a time, each batch
 * once reads have fetched nothing for {@code backgroundQuiet} and within {@code
 * backgroundBytesPerSecond} (compressed bytes; {@link BackgroundPacer}).
 */
public record PrefetchSettings(boolean list, int listBatches, boolean background, int batchBytes, long backgroundBytesPerSecond,
    java.time.Duration backgroundQuiet) {

  /** Background fetch's rate: a quarter of a 1 Gbit/s link, the whole python image (216 MB) local in about 7 s. */
  public static final long DEFAULT_BACKGROUND_BYTES_PER_SECOND = 32L << 20;
  /** How long reads must have fetched nothing before the background fetch goes on. */
  public static final java.time.Duration DEFAULT_BACKGROUND_QUIET = java.time.Duration.ofSeconds(1);

  public PrefetchSettings {
    if (listBatches <= 0 || batchBytes <= 0) {
      throw new IllegalArgumentException("prefetch batches and batch size must be positive: " + listBatches + ", " + batchBytes);
    }
    if (backgroundBytesPerSecond <= 0 || backgroundQuiet == null || backgroundQuiet.isNegative()) {
      throw new IllegalArgumentException("background rate must be positive and its quiet time not negative: "
          + backgroundBytesPerSecond + ", " + backgroundQuiet);
    }
  }

  /** Both on; 6 list requests outstanding; background batches of 4 MiB (the fetcher's largest range). */
  public static PrefetchSettings defaults() {
    return new PrefetchSettings(true, 6, true, 1 << 20, DEFAULT_BACKGROUND_BYTES_PER_SECOND, DEFAULT_BACKGROUND_QUIET);
  }

  /** Nothing ahead of reads. */
  public static PrefetchSettings off() {
    return new PrefetchSettings(false, 6, false, 1 << 20, DEFAULT_BACKGROUND_BYTES_PER_SECOND, DEFAULT_BACKGROUND_QUIET);
  }

  public PrefetchSettings withList(boolean on) {
    return new PrefetchSettings(on, listBatches, background, batchBytes, backgroundBytesPerSecond, backgroundQuiet);
  }

  public PrefetchSettings withBackground(boolean on) {
    return new PrefetchSettings(list, listBatches, on, batchBytes, backgroundBytesPerSecond, backgroundQuiet);
  }

  /** The background fetch at most {@code bytesPerSecond} (compressed), after reads have fetched nothing for {@code quiet}. */
  public PrefetchSettings withBackgroundRate(long bytesPerSecond, java.time.Duration quiet) {
    return new PrefetchSettings(list, listBatches, background, batchBytes, bytesPerSecond, quiet);
  }
}
