package dev.lazypull.cli.mount;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import dev.lazypull.cli.ParsingConverter;

/**
 * A duration as users write it: {@code 30s}, {@code 500ms}, {@code 2m}. {@link #parse} does
 * without picocli (a client command read without it loads none of its classes); {@link Converter}
 * is the picocli converter.
 */
public final class Durations {
  private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h)");

  private Durations() {}

  /** The picocli converter of duration options. */
  public static final class Converter extends ParsingConverter<Duration> {
    @Override
    protected Duration parse(String text) {
      return Durations.parse(text);
    }
  }

  /** The duration {@code value} stands for; an {@link IllegalArgumentException} says what is wrong. */
  public static Duration parse(String value) {
    Matcher m = DURATION.matcher(value.trim().toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw new IllegalArgumentException("not a duration: '" + value + "' (write e.g. 30s, 500ms, 2m)");
    }
    long n;
    try {
      n = Long.parseLong(m.group(1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("duration too long: '" + value + "'");
    }
    return switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      default -> Duration.ofHours(n);
    };
  }

  /** The form {@link #parse} reads back, for passing a value to the daemon. */
  public static String format(Duration d) {
    return d.toMillis() + "ms";
  }
}
