package dev.lazypull.format.tar;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The body of a PAX extended header: records of the form {@code "<len> <key>=<value>\n"}, where
 * {@code len} counts the whole record. Values stay bytes because xattr values are binary.
 */
final class PaxRecords {

  static final class BadPaxException extends Exception {
    BadPaxException(String message) {
      super(message);
    }
  }

  static Map<String, byte[]> parse(byte[] body, int length) throws BadPaxException {
    Map<String, byte[]> records = new LinkedHashMap<>();
    int pos = 0;
    while (pos < length) {
      if (body[pos] == 0) {
        // Some writers pad the body with NULs; nothing follows them.
        break;
      }
      int space = indexOf(body, pos, length, (byte) ' ');
      if (space < 0) {
        throw new BadPaxException("PAX record without a length at byte " + pos);
      }
      int recordLength = parseLength(body, pos, space);
      int end = pos + recordLength;
      if (recordLength <= space - pos + 1 || end > length || body[end - 1] != '\n') {
        throw new BadPaxException("PAX record at byte " + pos + " has a wrong length " + recordLength);
      }
      int equals = indexOf(body, space + 1, end - 1, (byte) '=');
      if (equals < 0) {
        throw new BadPaxException("PAX record at byte " + pos + " has no '='");
      }
      String key = new String(body, space + 1, equals - space - 1, StandardCharsets.UTF_8);
      records.put(key, Arrays.copyOfRange(body, equals + 1, end - 1));
      pos = end;
    }
    return records;
  }

  private static int parseLength(byte[] body, int from, int to) throws BadPaxException {
    if (to == from || to - from > 9) {
      throw new BadPaxException("PAX record length at byte " + from + " is not a number");
    }
    int value = 0;
    for (int i = from; i < to; i++) {
      if (body[i] < '0' || body[i] > '9') {
        throw new BadPaxException("PAX record length at byte " + from + " is not a number");
      }
      value = value * 10 + (body[i] - '0');
    }
    return value;
  }

  private static int indexOf(byte[] body, int from, int to, byte b) {
    for (int i = from; i < to; i++) {
      if (body[i] == b) {
        return i;
      }
    }
    return -1;
  }

  private PaxRecords() {}
}
