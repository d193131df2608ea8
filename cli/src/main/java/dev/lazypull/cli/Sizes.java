package dev.lazypull.cli;

/** Sizes on the command line: bytes, or with a binary suffix K, M, G (KiB, MiB, GiB). */
final class Sizes {
  static int parse(String text, String option) {
    String s = text.strip().toUpperCase(java.util.Locale.ROOT);
    long factor = 1;
    if (s.endsWith("IB")) {
      s = s.substring(0, s.length() - 2);
    } else if (s.endsWith("B")) {
      s = s.substring(0, s.length() - 1);
    }
    if (!s.isEmpty()) {
      switch (s.charAt(s.length() - 1)) {
        case 'K' -> factor = 1L << 10;
        case 'M' -> factor = 1L << 20;
        case 'G' -> factor = 1L << 30;
        default -> {}
      }
      if (factor > 1) {
        s = s.substring(0, s.length() - 1);
      }
    }
    try {
      long v = Long.parseLong(s) * factor;
      if (v <= 0 || v > Integer.MAX_VALUE) {
        throw new NumberFormatException();
      }
      return (int) v;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(option + " '" + text + "' is not a size (e.g. 65536, 64K, 1M)");
    }
  }

  private Sizes() {}
}
