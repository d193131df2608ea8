package dev.lazypull.format.tar;

/**
 * Numeric header fields: octal ASCII (ustar), or base-256 (GNU and star, marked by the high bit of
 * the first byte) for values that do not fit, such as uids above 2097151 or files over 8 GiB.
 */
final class TarNumbers {

  /** Thrown with the field's name; the reader adds layer and entry. */
  static final class BadNumberException extends Exception {
    BadNumberException(String message) {
      super(message);
    }
  }

  static long parse(byte[] block, int offset, int length, String field) throws BadNumberException {
    if ((block[offset] & 0x80) != 0) {
      return parseBase256(block, offset, length, field);
    }
    return parseOctal(block, offset, length, field);
  }

  private static long parseBase256(byte[] block, int offset, int length, String field)
      throws BadNumberException {
    boolean negative = (block[offset] & 0x40) != 0;
    if (negative) {
      throw new BadNumberException("negative base-256 number in field '" + field + "'");
    }
    long value = block[offset] & 0x3f;
    for (int i = 1; i < length; i++) {
      if ((value >>> 55) != 0) {
        throw new BadNumberException("base-256 number in field '" + field + "' overflows 63 bits");
      }
      value = (value << 8) | (block[offset + i] & 0xff);
    }
    return value;
  }

  private static long parseOctal(byte[] block, int offset, int length, String field)
      throws BadNumberException {
    int i = offset;
    int end = offset + length;
    while (i < end && (block[i] == ' ' || block[i] == 0)) {
      i++;
    }
    long value = 0;
    for (; i < end; i++) {
      byte b = block[i];
      if (b == ' ' || b == 0) {
        break;
      }
      if (b < '0' || b > '7') {
        throw new BadNumberException(
            "invalid character 0x" + Integer.toHexString(b & 0xff) + " in octal field '" + field + "'");
      }
      if ((value >>> 60) != 0) {
        throw new BadNumberException("octal number in field '" + field + "' overflows 63 bits");
      }
      value = (value << 3) | (b - '0');
    }
    for (; i < end; i++) {
      if (block[i] != ' ' && block[i] != 0) {
        throw new BadNumberException("garbage after the octal number in field '" + field + "'");
      }
    }
    return value;
  }

  private TarNumbers() {}
}
