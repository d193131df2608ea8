package dev.lazypull.format.toc;

import dev.lazypull.format.FormatException;
import dev.lazypull.format.TarEntry;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * The encoding of one entry's extended attributes: a varint count, then per attribute (sorted by
 * name) a length-prefixed UTF-8 name and a length-prefixed value. Kept as bytes in memory and
 * decoded only when asked, since almost no entry has any.
 */
public final class Xattrs {
  /** Linux lists at most XATTR_LIST_MAX (64 KiB) of names, each with its NUL: at most 32k names. */
  static final int MAX_COUNT = 32768;

  /** The encoding of {@code xattrs}; null when there are none. */
  public static byte[] encode(Map<String, byte[]> xattrs) {
    if (xattrs.isEmpty()) {
      return null;
    }
    VarintWriter w = new VarintWriter();
    write(w, xattrs);
    return java.util.Arrays.copyOf(w.array(), w.length());
  }

  static void write(VarintWriter w, Map<String, byte[]> xattrs) {
    w.varint(xattrs.size());
    new TreeMap<>(xattrs).forEach((name, value) -> {
      w.lengthPrefixed(name);
      w.lengthPrefixed(value);
    });
  }

  /** Decodes bytes [off, off+len) produced by {@link #encode}; empty for len 0. */
  public static Map<String, byte[]> decode(byte[] b, int off, int len) {
    if (len == 0) {
      return Map.of();
    }
    try {
      VarintReader r = new VarintReader(b, off, off + len, "xattrs");
      return read(r);
    } catch (FormatException e) {
      throw new IllegalStateException("xattrs were validated when the TOC was read", e);
    }
  }

  /** Reads and validates one xattr set; returns it (names checked: non-empty, no NUL). */
  static Map<String, byte[]> read(VarintReader r) throws FormatException {
    int count = r.intVarint(Math.min(r.remaining() / 2, MAX_COUNT), "xattr count");
    TreeMap<String, byte[]> out = new TreeMap<>();
    for (int i = 0; i < count; i++) {
      int nameLen = r.intVarint(Math.min(r.remaining(), TarEntry.MAX_XATTR_NAME_BYTES), "xattr name length");
      int nameOff = r.skip(nameLen);
      String name = Utf8.decode(r.buffer(), nameOff, nameLen, r.what(), "xattr name");
      if (name.isEmpty() || name.indexOf('\0') >= 0) {
        throw new FormatException(r.what() + ": bad xattr name \"" + name.replace("\0", "\\0") + "\"");
      }
      int valueLen = r.intVarint(Math.min(r.remaining(), TarEntry.MAX_XATTR_VALUE_BYTES), "xattr value length");
      int valueOff = r.skip(valueLen);
      byte[] value = new byte[valueLen];
      System.arraycopy(r.buffer(), valueOff, value, 0, valueLen);
      out.put(name, value);
    }
    return Collections.unmodifiableMap(out);
  }

  private Xattrs() {}
}
