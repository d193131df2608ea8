package dev.lazypull.benchmarks.link;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An emulated network link: its bandwidth in each direction and its round-trip time. Half the
 * RTT is added to every segment in each direction, as a propagation delay.
 */
public record LinkProfile(long bitsPerSecond, Duration rtt) {
  /** The harness's default: a data-centre link of 1 Gbit/s and 10 ms RTT. */
  public static final LinkProfile DEFAULT = new LinkProfile(1_000_000_000L, Duration.ofMillis(10));

  private static final Pattern RATE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([kmg]?)(?:bit|bps)?(?:/s)?");
  private static final Pattern TIME = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(us|ms|s)");

  public LinkProfile {
    if (bitsPerSecond <= 0) {
      throw new IllegalArgumentException("link rate must be positive, got " + bitsPerSecond + " bit/s");
    }
    if (rtt == null || rtt.isNegative()) {
      throw new IllegalArgumentException("link RTT must be zero or positive, got " + rtt);
    }
  }

  /** Parses a rate as tc writes it ({@code 1gbit}, {@code 100mbit}, {@code 512kbit}) and an RTT ({@code 10ms}). */
  public static LinkProfile parse(String rate, String rtt) {
    return new LinkProfile(parseRate(rate), parseDuration(rtt));
  }

  static long parseRate(String text) {
    Matcher m = RATE.matcher(text.trim().toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw new IllegalArgumentException("not a link rate (examples: 1gbit, 100mbit, 512kbit): " + text);
    }
    double scale =
        switch (m.group(2)) {
          case "k" -> 1e3;
          case "m" -> 1e6;
          case "g" -> 1e9;
          default -> 1;
        };
    return Math.round(Double.parseDouble(m.group(1)) * scale);
  }

  static Duration parseDuration(String text) {
    Matcher m = TIME.matcher(text.trim().toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw new IllegalArgumentException("not a duration (examples: 10ms, 500us, 1s): " + text);
    }
    double scale =
        switch (m.group(2)) {
          case "us" -> 1e3;
          case "ms" -> 1e6;
          default -> 1e9;
        };
    return Duration.ofNanos(Math.round(Double.parseDouble(m.group(1)) * scale));
  }

  public long oneWayDelayNanos() {
    return rtt.toNanos() / 2;
  }

  /** Bytes in flight on the link in one direction (bandwidth-delay product of one way). */
  public long oneWayBytesInFlight() {
    return (long) (bitsPerSecond / 8.0 * oneWayDelayNanos() / 1e9);
  }

  public double megabitsPerSecond() {
    return bitsPerSecond / 1e6;
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "%.0f Mbit/s, %.1f ms RTT", megabitsPerSecond(), rtt.toNanos() / 1e6);
  }
}
