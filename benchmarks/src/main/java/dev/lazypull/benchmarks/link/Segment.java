package dev.lazypull.benchmarks.link;

/**
 * Bytes in flight on the emulated link: {@code data[0..length)}, deliverable at {@code dueNanos}.
 * A segment of length -1 stands for the sender's FIN. The array belongs to the segment once
 * queued: the reader allocates a new one for its next read.
 */
record Segment(byte[] data, int length, long dueNanos) {
  static Segment fin(long dueNanos) {
    return new Segment(new byte[0], -1, dueNanos);
  }

  boolean isFin() {
    return length < 0;
  }
}
