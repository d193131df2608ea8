package dev.lazypull.cli;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A size as users write it: {@code 10G}, {@code 512M}, {@code 64k}, {@code 1MiB}, {@code 1048576}
 * (powers of 1024). The CLI's one size parser: {@link #parse}, {@link Converter} for picocli
 * options, and {@link #toInt} for options that must fit an int. The parser itself does without
 * picocli, so that a client command read without it ({@link ClientArgs}) loads none of its classes.
 */
public final class ByteSize {
  private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([kmgt]?)(i?b)?");

  private ByteSize() {}

  /** The picocli converter of size options. */
  public static final class Converter extends ParsingConverter<Long> {
    @Override
    protected Long parse(String text) {
      return ByteSize.parse(text);
    }
  }

  /** The size {@code value} stands for; an {@link IllegalArgumentException} says what is wrong. */
  public static long parse(String value) {
    Matcher m = SIZE.matcher(value.trim().toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw new IllegalArgumentException("not a size: '" + value + "' (write e.g. 10G, 512M, 64K or a number of bytes)");
    }
    int shift = switch (m.group(2)) {
      case "k" -> 10;
      case "m" -> 20;
      case "g" -> 30;
      case "t" -> 40;
      default -> 0;
    };
    long n;
    try {
      n = Long.parseLong(m.group(1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("size too large: " + value);
    }
    if (n > (Long.MAX_VALUE >> shift)) {
      throw new IllegalArgumentException("size too large: " + value);
    }
    return n << shift;
  }

  /** A positive size that fits an int (chunk sizes); the error names the option. */
  public static int toInt(String value, String option) {
    long v;
    try {
      v = parse(value);
    } catch (IllegalArgumentException e) {
      v = -1;
    }
    if (v <= 0 || v > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(option + " '" + value + "' is not a size (e.g. 65536, 64K, 1M)");
    }
    return (int) v;
  }
}
