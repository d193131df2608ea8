package dev.lazypull.oci;

import java.time.Duration;

/**
 * The moment by which a read must be done, on the monotonic clock ({@link System#nanoTime}).
 * One deadline is set per read and passed down to whatever serves it, so that every retry and
 * every backoff below fits inside it. {@link #NONE} is for callers that set none.
 */
public record Deadline(long nanoTime) {
  /** No deadline of the caller's: retries are bounded by the source's own attempt count. */
  public static final Deadline NONE = new Deadline(Long.MAX_VALUE);

  public static Deadline after(Duration d) {
    return new Deadline(System.nanoTime() + d.toNanos());
  }

  public boolean isNone() {
    return nanoTime == Long.MAX_VALUE;
  }

  /** Time left (zero once passed); {@link Duration#ofNanos(long) Long.MAX_VALUE ns} for NONE. */
  public Duration remaining() {
    return isNone() ? Duration.ofNanos(Long.MAX_VALUE) : Duration.ofNanos(Math.max(0, nanoTime - System.nanoTime()));
  }

  public boolean passed() {
    return !isNone() && nanoTime - System.nanoTime() <= 0;
  }
}
