package dev.lazypull.snapshotter.fetch;

import java.time.Duration;

/**
 * How the fetcher talks to a registry. {@code maxRangeBytes} and {@code maxGapBytes} bound request
 * merging: neighbouring missing chunks of one layer are fetched in one Range request when the
 * bytes between them are at most {@code maxGapBytes} and the whole request at most {@code
 * maxRangeBytes} (a single larger chunk is still fetched alone). {@code readaheadBytes} bounds the
 * compressed bytes of following frames of the layer that a request also takes (0: none).
 * {@code maxParallelRequests} bounds the requests in flight to the registry. {@code timeout}
 * bounds how long a read waits for a chunk, retries included: a registry that stops answering
 * turns into EIO after it.
 */
public record FetchOptions(int maxRangeBytes, int maxGapBytes, int readaheadBytes, int maxParallelRequests, Duration timeout) {

  /** Readahead budget per request, chosen by ColdStartBenchmark (docs/decisions/0006-snapshotter-read-path.md). */
  public static final int DEFAULT_READAHEAD_BYTES = 1 << 20;

  public FetchOptions {
    if (maxRangeBytes <= 0 || maxGapBytes < 0 || readaheadBytes < 0 || maxParallelRequests <= 0) {
      throw new IllegalArgumentException("fetch options must be positive: range " + maxRangeBytes + ", gap " + maxGapBytes
          + ", readahead " + readaheadBytes + ", parallel " + maxParallelRequests);
    }
    if (timeout == null || timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("fetch timeout must be positive: " + timeout);
    }
  }

  /** 4 MiB ranges, 64 KiB gaps, 1 MiB readahead, 16 requests in flight, 30 s before a read fails. */
  public static FetchOptions defaults() {
    return new FetchOptions(4 << 20, 64 << 10, DEFAULT_READAHEAD_BYTES, 16, Duration.ofSeconds(30));
  }

  public FetchOptions withTimeout(Duration newTimeout) {
    return new FetchOptions(maxRangeBytes, maxGapBytes, readaheadBytes, maxParallelRequests, newTimeout);
  }

  public FetchOptions withMaxParallelRequests(int n) {
    return new FetchOptions(maxRangeBytes, maxGapBytes, readaheadBytes, n, timeout);
  }

  public FetchOptions withMerging(int rangeBytes, int gapBytes) {
    return new FetchOptions(rangeBytes, gapBytes, readaheadBytes, maxParallelRequests, timeout);
  }

  public FetchOptions withReadahead(int bytes) {
    return new FetchOptions(maxRangeBytes, maxGapBytes, bytes, maxParallelRequests, timeout);
  }
}
