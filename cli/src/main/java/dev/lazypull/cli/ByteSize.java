package dev.lazypull.cli;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * A size as users write it: {@code 10G}, {@code 512M}, {@code 64k}, {@code 1MiB}, {@code 1048576}
 * (powers of 1024). The CLI's one size parser: a picocli converter, and {@link #toInt} for options
 * that must fit an int.
 */
public final class ByteSize implements ITypeConverter<Long> {
  private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([kmgt]?)(i?b)?");

  @Override
  public Long convert(String value) {
    return parse(value);
  }

  public static long parse(String value) {
    Matcher m = SIZE.matcher(value.trim().toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw new TypeConversionException("not a size: '" + value + "' (write e.g. 10G, 512M, 64K or a number of bytes)");
    }
    int shift = switch (m.group(2)) {
      case "k" -> 10;
      case "m" -> 20;
      case "g" -> 30;
      case "t" -> 40;
      default -> 0;
    };
    long n = Long.parseLong(m.group(1));
    if (n > (Long.MAX_VALUE >> shift)) {
      throw new TypeConversionException("size too large: " + value);
    }
    return n << shift;
  }

  /** A positive size that fits an int (chunk sizes); the error names the option. */
  public static int toInt(String value, String option) {
    try {
      long v = parse(value);
      if (v <= 0 || v > Integer.MAX_VALUE) {
        throw new TypeConversionException("out of range");
      }
      return (int) v;
    } catch (TypeConversionException e) {
      throw new IllegalArgumentException(option + " '" + value + "' is not a size (e.g. 65536, 64K, 1M)");
    }
  }
}
