package dev.lazypull.lazyfs.prefetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BackgroundPacerTest {
  private static final long SECOND = 1_000_000_000L;
  private static final long MB = 1_000_000L;

  /** Time that passes only when the pacer sleeps. */
  private static final class FakeClock implements BackgroundPacer.Clock {
    long now = 5 * SECOND;
    long slept;

    @Override
    public long nanoTime() {
      return now;
    }

    @Override
    public void sleepNanos(long nanos) {
      assertThat(nanos).isPositive();
      now += nanos;
      slept += nanos;
    }
  }

  @Test
  void bytesAdmittedOverAnyIntervalStayWithinTheRatePlusOneBurst() throws Exception {
    FakeClock clock = new FakeClock();
    long rate = 10 * MB;
    long burst = MB;
    BackgroundPacer pacer = new BackgroundPacer(rate, burst, 0, clock, () -> BackgroundPacer.NEVER);
    long start = clock.now;
    List<long[]> admitted = new ArrayList<>(); // {time, bytes admitted up to and including this batch}
    long total = 0;
    for (int i = 0; i < 200; i++) {
      long batch = 1 + (i * 7919L) % MB; // batches of uneven size
      pacer.admit(batch);
      total += batch;
      admitted.add(new long[] {clock.now, total});
    }
    // Over every interval between two admissions: at most rate x interval, plus the burst and the batch that opened it.
    for (int i = 0; i < admitted.size(); i++) {
      for (int j = i + 1; j < admitted.size(); j += 13) {
        long bytes = admitted.get(j)[1] - admitted.get(i)[1];
        double seconds = (admitted.get(j)[0] - admitted.get(i)[0]) / 1e9;
        assertThat((double) bytes).isLessThanOrEqualTo(rate * seconds + burst + MB);
      }
    }
    // And it did not go slower than needed: the whole took about total / rate.
    double elapsed = (clock.now - start) / 1e9;
    assertThat(elapsed).isBetween((total - burst - MB) / (double) rate, (total + MB) / (double) rate);
  }

  @Test
  void anIdleSpellGivesOneBurstNotTheWholeIdleTimesTheRate() throws Exception {
    FakeClock clock = new FakeClock();
    BackgroundPacer pacer = new BackgroundPacer(10 * MB, MB, 0, clock, () -> BackgroundPacer.NEVER);
    pacer.admit(MB);
    clock.now += 60 * SECOND; // a minute with nothing to fetch
    long before = clock.slept;
    for (int i = 0; i < 20; i++) {
      pacer.admit(MB);
    }
    // 20 MB after the pause: one burst at once, the other 19 MB at 10 MB/s.
    assertThat((clock.slept - before) / 1e9).isBetween(1.8, 2.0);
  }

  @Test
  void waitsUntilReadsHaveFetchedNothingForTheQuietTime() throws Exception {
    FakeClock clock = new FakeClock();
    long[] lastDemand = {clock.now - SECOND / 10};
    BackgroundPacer pacer = new BackgroundPacer(1000 * MB, 10 * MB, SECOND / 2, clock, () -> lastDemand[0]);
    pacer.admit(MB);
    assertThat(clock.now - lastDemand[0]).isGreaterThanOrEqualTo(SECOND / 2);

    // A read that misses while the background fetch runs pushes the next batch back again.
    lastDemand[0] = clock.now;
    long missed = clock.now;
    pacer.admit(MB);
    assertThat(clock.now - missed).isGreaterThanOrEqualTo(SECOND / 2);

    // Long quiet: no wait for quiet at all.
    clock.now += 10 * SECOND;
    long before = clock.slept;
    pacer.admit(MB);
    assertThat(clock.slept - before).isLessThan(SECOND / 100);
  }

  @Test
  void noReadYetCountsAsQuiet() throws Exception {
    FakeClock clock = new FakeClock();
    new BackgroundPacer(MB, MB, SECOND, clock, () -> BackgroundPacer.NEVER).admit(MB);
    assertThat(clock.slept).isZero();
  }

  @Test
  void refusesANonPositiveRate() {
    assertThatThrownBy(() -> new BackgroundPacer(0, MB, 0, new FakeClock(), () -> BackgroundPacer.NEVER))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rate");
  }
}
