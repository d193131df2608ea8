package dev.lazypull.format.toc;

import dev.lazypull.format.FormatException;

/** Reads what {@link VarintWriter} wrote, failing with a {@link FormatException} on truncation. */
final class VarintReader {
  private final byte[] buf;
  private final int end;
  private final String what;
  private int pos;

  VarintReader(byte[] buf, int off, int end, String what) {
    this.buf = buf;
    this.pos = off;
    this.end = end;
    this.what = what;
  }

  long varint() throws FormatException {
    long v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos >= end) {
        throw truncated();
      }
      int b = buf[pos++];
      v |= (long) (b & 0x7F) << shift;
      if ((b & 0x80) == 0) {
        if (shift == 63 && (b & 0x7F) > 1) {
          break;
        }
        return v;
      }
    }
    throw new FormatException(what + ": varint longer than 64 bits at byte " + pos);
  }

  /** A varint that must lie in [0, {@code max}]; {@code field} names it in the error. */
  long varint(long max, String field) throws FormatException {
    long v = varint();
    if (v < 0 || v > max) {
      throw new FormatException(what + ": " + field + " " + Long.toUnsignedString(v) + " is out of range (max " + max + ")");
    }
    return v;
  }

  int intVarint(int max, String field) throws FormatException {
    return (int) varint(max, field);
  }

  long signedVarint() throws FormatException {
    long v = varint();
    return (v >>> 1) ^ -(v & 1);
  }

  int u8() throws FormatException {
    if (pos >= end) {
      throw truncated();
    }
    return buf[pos++] & 0xFF;
  }

  /** Skips {@code n} bytes and returns the offset where they start. */
  int skip(int n) throws FormatException {
    if (n < 0 || n > end - pos) {
      throw truncated();
    }
    int start = pos;
    pos += n;
    return start;
  }

  int remaining() {
    return end - pos;
  }

  int position() {
    return pos;
  }

  /** What is read (the TOC and its layer), for error messages. */
  String what() {
    return what;
  }

  byte[] buffer() {
    return buf;
  }

  FormatException truncated() {
    return new FormatException(what + " is truncated at byte " + pos);
  }
}
