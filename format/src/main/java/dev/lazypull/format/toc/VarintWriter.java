package dev.lazypull.format.toc;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** A growable byte buffer for the TOC body: unsigned LEB128 varints and raw bytes. */
final class VarintWriter {
  private byte[] buf = new byte[4096];
  private int len;

  void varint(long v) {
    ensure(10);
    while ((v & ~0x7FL) != 0) {
      buf[len++] = (byte) ((v & 0x7F) | 0x80);
      v >>>= 7;
    }
    buf[len++] = (byte) v;
  }

  /** Zig-zag encoded signed value, so small negative numbers stay short. */
  void signedVarint(long v) {
    varint((v << 1) ^ (v >> 63));
  }

  void u8(int v) {
    ensure(1);
    buf[len++] = (byte) v;
  }

  void bytes(byte[] b) {
    bytes(b, 0, b.length);
  }

  void bytes(byte[] b, int off, int n) {
    ensure(n);
    System.arraycopy(b, off, buf, len, n);
    len += n;
  }

  /** Length-prefixed bytes. */
  void lengthPrefixed(byte[] b) {
    varint(b.length);
    bytes(b);
  }

  void lengthPrefixed(String s) {
    lengthPrefixed(s.getBytes(StandardCharsets.UTF_8));
  }

  void append(VarintWriter other) {
    bytes(other.buf, 0, other.len);
  }

  int length() {
    return len;
  }

  byte[] toArray() {
    return Arrays.copyOf(buf, len);
  }

  byte[] array() {
    return buf;
  }

  private void ensure(int n) {
    if (len + n > buf.length) {
      buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + n));
    }
  }
}
