package dev.lazypull.format.encode;

import dev.lazypull.format.toc.FrameTable;

/**
 * How a layer is cut into frames and compressed. Files of at least {@code largeFileThreshold}
 * bytes are chunked by content ({@code minChunk}/{@code avgChunk}/{@code maxChunk}, FastCDC);
 * everything else (tar headers, small files, padding) is grouped into frames of about {@code
 * groupTarget} bytes, cut only between entries. {@code threads} frames are compressed at once.
 * The defaults were chosen by measurement (docs/decisions/0003-chunk-sizes.md).
 */
public record EncoderOptions(
    int level, int minChunk, int avgChunk, int maxChunk, int groupTarget, int largeFileThreshold, int threads) {

  public static final int DEFAULT_LEVEL = 3;

  public EncoderOptions {
    if (level < 1 || level > 22) {
      throw new IllegalArgumentException("zstd level must be 1..22, got " + level);
    }
    if (minChunk < 64 || avgChunk < minChunk || maxChunk < avgChunk || maxChunk > FrameTable.MAX_FRAME_BYTES) {
      throw new IllegalArgumentException("chunk sizes must satisfy 64 <= min <= avg <= max <= "
          + (FrameTable.MAX_FRAME_BYTES >> 20) + " MiB, got " + minChunk + "/" + avgChunk + "/" + maxChunk);
    }
    if (Integer.bitCount(avgChunk) != 1) {
      throw new IllegalArgumentException("average chunk size must be a power of two, got " + avgChunk);
    }
    if (groupTarget < 512 || groupTarget > FrameTable.MAX_FRAME_BYTES) {
      throw new IllegalArgumentException("group target must be 512 B .. " + (FrameTable.MAX_FRAME_BYTES >> 20)
          + " MiB, got " + groupTarget);
    }
    if (largeFileThreshold < 1 || largeFileThreshold > maxChunk) {
      // smaller files share frames whole, so the threshold bounds the largest group frame
      throw new IllegalArgumentException(
          "large-file threshold must be 1 .. max chunk size (" + maxChunk + "), got " + largeFileThreshold);
    }
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be >= 1, got " + threads);
    }
  }

  public static EncoderOptions defaults() {
    return new EncoderOptions(DEFAULT_LEVEL, 64 << 10, 256 << 10, 1 << 20, 64 << 10, 64 << 10,
        Runtime.getRuntime().availableProcessors());
  }

  public EncoderOptions withLevel(int newLevel) {
    return new EncoderOptions(newLevel, minChunk, avgChunk, maxChunk, groupTarget, largeFileThreshold, threads);
  }

  public EncoderOptions withChunkSizes(int min, int avg, int max) {
    return new EncoderOptions(level, min, avg, max, groupTarget, largeFileThreshold, threads);
  }

  public EncoderOptions withGrouping(int newGroupTarget, int newLargeFileThreshold) {
    return new EncoderOptions(level, minChunk, avgChunk, maxChunk, newGroupTarget, newLargeFileThreshold, threads);
  }

  public EncoderOptions withThreads(int newThreads) {
    return new EncoderOptions(level, minChunk, avgChunk, maxChunk, groupTarget, largeFileThreshold, newThreads);
  }
}
