package dev.lazypull.registry.remote;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

class BackoffTest {
  private final Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(1));

  @RepeatedTest(20)
  void fullJitterStaysUnderTheDoublingCap() {
    assertThat(backoff.delay(1)).isBetween(Duration.ZERO, Duration.ofMillis(100));
    assertThat(backoff.delay(3)).isBetween(Duration.ZERO, Duration.ofMillis(400));
    assertThat(backoff.delay(40)).isBetween(Duration.ZERO, Duration.ofSeconds(1));
  }

  @Test
  void retryAfterInSecondsOrAsAnHttpDate() {
    Clock clock = Clock.fixed(Instant.parse("2026-11-28T10:00:00Z"), ZoneOffset.UTC);
    assertThat(Backoff.retryAfter("7", clock)).isEqualTo(Duration.ofSeconds(7));
    assertThat(Backoff.retryAfter("Sat, 28 Nov 2026 10:00:30 GMT", clock)).isEqualTo(Duration.ofSeconds(30));
    assertThat(Backoff.retryAfter("Sat, 28 Nov 2026 09:00:00 GMT", clock)).isEqualTo(Duration.ZERO);
    assertThat(Backoff.retryAfter("-5", clock)).isEqualTo(Duration.ZERO);
    assertThat(Backoff.retryAfter("soon", clock)).isNull();
    assertThat(Backoff.retryAfter(null, clock)).isNull();
  }
}
