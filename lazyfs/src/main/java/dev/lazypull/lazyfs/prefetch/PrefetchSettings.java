package dev.lazypull.lazyfs.prefetch;

/**
 * What a mount fetches before and besides reads. {@code list}: the image's recorded start-up list
 * first, handed to the fetcher {@code batchBytes} (compressed) at a time, at most {@code
 * listBatches} batches outstanding. {@code background}: then the rest of every layer at the
 * fetcher's background priority, so that a running container stops depending on the registry
 * (only with a disk cache, where the chunks can stay).
 */
public record PrefetchSettings(boolean list, int listBatches, boolean background, int batchBytes) {

  public PrefetchSettings {
    if (listBatches <= 0 || batchBytes <= 0) {
      throw new IllegalArgumentException("prefetch batches and batch size must be positive: " + listBatches + ", " + batchBytes);
    }
  }

  /** Both on; 4 MiB batches (the fetcher's largest range), 4 of them outstanding. */
  public static PrefetchSettings defaults() {
    return new PrefetchSettings(true, 4, true, 4 << 20);
  }

  /** Nothing ahead of reads. */
  public static PrefetchSettings off() {
    return new PrefetchSettings(false, 4, false, 4 << 20);
  }

  public PrefetchSettings withList(boolean on) {
    return new PrefetchSettings(on, listBatches, background, batchBytes);
  }

  public PrefetchSettings withBackground(boolean on) {
    return new PrefetchSettings(list, listBatches, on, batchBytes);
  }
}
