package dev.lazypull.registry.remote;

import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.concurrent.ThreadLocalRandom;

/** Exponential backoff with full jitter, and the server's own {@code Retry-After}. */
record Backoff(Duration base, Duration max) {

  /** The wait before retry number {@code attempt} (1-based): uniform in [0, min(max, base*2^(attempt-1))]. */
  Duration delay(int attempt) {
    long cap = Math.min(max.toMillis(), base.toMillis() << Math.min(attempt - 1, 20));
    return Duration.ofMillis(ThreadLocalRandom.current().nextLong(cap + 1));
  }

  /** A Retry-After value (seconds or an HTTP date), null when absent or unreadable. */
  static Duration retryAfter(String header, java.time.Clock clock) {
    if (header == null || header.isBlank()) {
      return null;
    }
    String v = header.trim();
    try {
      return Duration.ofSeconds(Math.max(0, Long.parseLong(v)));
    } catch (NumberFormatException e) {
      try {
        ZonedDateTime at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME);
        Duration d = Duration.between(clock.instant(), at.toInstant());
        return d.isNegative() ? Duration.ZERO : d;
      } catch (DateTimeParseException e2) {
        return null;
      }
    }
  }

  static void sleep(Duration d) throws java.io.InterruptedIOException {
    try {
      Thread.sleep(d);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while waiting to retry");
    }
  }
}
