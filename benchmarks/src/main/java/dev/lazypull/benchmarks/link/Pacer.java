package dev.lazypull.benchmarks.link;

/**
 * The serialisation side of a link of a fixed rate, shared by every connection that crosses it in
 * one direction: hands out consecutive transmission slots, so that all connections together never
 * exceed the rate. A token bucket whose depth is {@code burstNanos} of transmission: an idle link
 * may send that much at once, as a real NIC queue drains faster than the pacing granularity.
 */
final class Pacer {
  private final double nanosPerByte;
  private final long burstNanos;
  private long nextFree = Long.MIN_VALUE;
  private long bytesSent;

  Pacer(long bitsPerSecond, long burstNanos) {
    this.nanosPerByte = 8e9 / bitsPerSecond;
    this.burstNanos = burstNanos;
  }

  /** Reserves the link for {@code bytes}; returns the {@link System#nanoTime()} at which the last of them has left. */
  synchronized long reserve(int bytes, long now) {
    bytesSent += bytes;
    long start = nextFree == Long.MIN_VALUE ? now : Math.max(nextFree, now - burstNanos);
    nextFree = start + (long) Math.ceil(bytes * nanosPerByte);
    // Burst credit lets bytes leave at once, never in the past.
    return Math.max(nextFree, now);
  }

  /** Bytes that have crossed (or are crossing) the link in this direction so far. */
  synchronized long bytesSent() {
    return bytesSent;
  }
}
