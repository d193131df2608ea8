package dev.lazypull.lazyfs.prefetch;

import java.util.function.LongSupplier;

/**
 * Bounds the background fetch by bytes, not only by request slots: before each batch it waits
 * until reads have been quiet (no demand miss) for {@code quietNanos}, so it never competes with a
 * starting program, and until a token bucket of {@code bytesPerSecond} (depth {@code burstBytes})
 * has room, so that over any interval it takes at most the rate (plus one burst and one batch) of
 * the link. Single-threaded: the prefetcher's worker calls {@link #admit}.
 */
final class BackgroundPacer {
  /** Time as the pacer sees it: {@link System#nanoTime()} and a sleep, or a test's own. */
  interface Clock {
    long nanoTime();

    void sleepNanos(long nanos) throws InterruptedException;

    Clock SYSTEM = new Clock() {
      @Override
      public long nanoTime() {
        return System.nanoTime();
      }

      @Override
      public void sleepNanos(long nanos) throws InterruptedException {
        Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
      }
    };
  }

  /** What {@code lastDemand} returns while no read has missed yet. */
  static final long NEVER = Long.MIN_VALUE;

  private final double nanosPerByte;
  private final long burstNanos;
  private final long quietNanos;
  private final Clock clock;
  private final LongSupplier lastDemand;
  private long allowedAt = NEVER;

  BackgroundPacer(long bytesPerSecond, long burstBytes, long quietNanos, Clock clock, LongSupplier lastDemand) {
    if (bytesPerSecond <= 0 || burstBytes < 0 || quietNanos < 0) {
      throw new IllegalArgumentException("background rate must be positive, burst and quiet time not negative: "
          + bytesPerSecond + ", " + burstBytes + ", " + quietNanos);
    }
    this.nanosPerByte = 1e9 / bytesPerSecond;
    this.burstNanos = (long) (burstBytes * nanosPerByte);
    this.quietNanos = quietNanos;
    this.clock = clock;
    this.lastDemand = lastDemand;
  }

  /** Waits until {@code bytes} more may go (see the class comment), then counts them as gone. */
  void admit(long bytes) throws InterruptedException {
    for (long last = lastDemand.getAsLong(); last != NEVER; last = lastDemand.getAsLong()) {
      long since = clock.nanoTime() - last;
      if (since >= quietNanos) {
        break;
      }
      clock.sleepNanos(quietNanos - since);
    }
    long now = clock.nanoTime();
    allowedAt = allowedAt == NEVER ? now - burstNanos : Math.max(allowedAt, now - burstNanos);
    if (allowedAt > now) {
      clock.sleepNanos(allowedAt - now);
    }
    allowedAt += (long) Math.ceil(bytes * nanosPerByte);
  }
}
