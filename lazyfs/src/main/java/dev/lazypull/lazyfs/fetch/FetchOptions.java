package dev.lazypull.lazyfs.fetch;

import java.time.Duration;

/**
 * How the fetcher talks to a registry. {@code maxRangeBytes} and {@code maxGapBytes} bound request
 * merging: neighbouring missing chunks of one layer are fetched in one Range request when the
 * bytes between them are at most {@code maxGapBytes} and the whole request at most {@code
 * maxRangeBytes} (a single larger chunk is still fetched alone). {@code readaheadBytes} bounds the
 * compressed bytes of following frames of the layer that a request also takes (0: none).
 * The requests in flight are bounded by the registry client, per registry
 * ({@code RegistryOptions.maxParallelRequests}), not here. {@code timeout}
 * bounds how long a read waits for a chunk, retries included: a registry that stops answering
 * turns into EIO after it.
 */
public record FetchOptions(int maxRangeBytes, int maxGapBytes, int readaheadBytes, Duration timeout) {

  /** Readahead budget per request, chosen by ColdStartBenchmark (docs/decisions/0006-snapshotter-read-path.md). */
  public static final int DEFAULT_READAHEAD_BYTES = 1 << 20;

  public FetchOptions {
    if (maxRangeBytes <= 0 || maxGapBytes < 0 || readaheadBytes < 0) {
      throw new IllegalArgumentException("fetch options must be positive: range " + maxRangeBytes + ", gap " + maxGapBytes
          + ", readahead " + readaheadBytes);
    }
    if (timeout == null || timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("fetch timeout must be positive: " + timeout);
    }
  }

  /** 4 MiB ranges, 64 KiB gaps, 1 MiB readahead, 30 s before a read fails. */
  public static FetchOptions defaults() {
    return new FetchOptions(4 << 20, 64 << 10, DEFAULT_READAHEAD_BYTES, Duration.ofSeconds(30));
  }

  public FetchOptions withTimeout(Duration newTimeout) {
    return new FetchOptions(maxRangeBytes, maxGapBytes, readaheadBytes, newTimeout);
  }

  public FetchOptions withMerging(int rangeBytes, int gapBytes) {
    return new FetchOptions(rangeBytes, gapBytes, readaheadBytes, timeout);
  }

  public FetchOptions withReadahead(int bytes) {
    return new FetchOptions(maxRangeBytes, maxGapBytes, bytes, timeout);
  }
}
