package dev.lazypull.cli.mount;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** A duration as users write it: {@code 30s}, {@code 500ms}, {@code 2m}. */
public final class Durations implements ITypeConverter<Duration> {
  private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h)");

  @Override
  public Duration convert(String value) {
    Matcher m = DURATION.matcher(value.trim().toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw new TypeConversionException("not a duration: '" + value + "' (write e.g. 30s, 500ms, 2m)");
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      default -> Duration.ofHours(n);
    };
  }

  /** The form {@link #convert} reads back, for passing a value to the daemon. */
  public static String format(Duration d) {
    return d.toMillis() + "ms";
  }
}
