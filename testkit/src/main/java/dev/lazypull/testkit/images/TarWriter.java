package dev.lazypull.testkit.images;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes tar streams for tests, in the header styles real images use (ustar, PAX, GNU), so that
 * layers with every feature can be made in-process, byte-exact and reproducible.
 */
public final class TarWriter {
  private static final int BLOCK = 512;
  private static final long MAX_OCTAL_8 = 07777777L;
  private static final long MAX_OCTAL_12 = 077777777777L;

  private final OutputStream out;
  private long written;

  public TarWriter(OutputStream out) {
    this.out = out;
  }

  /** A whole tar in memory: the entries and the end-of-archive marker. */
  public static byte[] tar(TestEntry... entries) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    TarWriter w = new TarWriter(bytes);
    try {
      for (TestEntry e : entries) {
        w.add(e);
      }
      w.finish();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    return bytes.toByteArray();
  }

  /** A PAX global header ('g'): defaults for every following entry. */
  public TarWriter globalPax(Map<String, byte[]> records) throws IOException {
    writeExtended('g', "pax_global_header", paxBody(records));
    return this;
  }

  public TarWriter add(TestEntry e) throws IOException {
    byte[] name = utf8(e.name());
    byte[] link = utf8(e.link());
    long size = e.typeflag() == '0' ? e.data().length : 0;
    Map<String, byte[]> pax = new LinkedHashMap<>();
    byte[] headerName = name;
    byte[] prefix = new byte[0];
    byte[] headerLink = link;
    boolean gnu = e.style() == TestEntry.Style.GNU;
    if (name.length > 100) {
      switch (e.style()) {
        case PAX -> {
          pax.put("path", name);
          headerName = Arrays.copyOf(name, 100);
        }
        case GNU -> {
          writeExtended('L', "././@LongLink", withNul(name));
          headerName = Arrays.copyOf(name, 100);
        }
        case USTAR -> {
          int split = splitPoint(e.name());
          prefix = utf8(e.name().substring(0, split));
          headerName = utf8(e.name().substring(split + 1));
        }
      }
    }
    if (link.length > 100) {
      if (gnu) {
        writeExtended('K', "././@LongLink", withNul(link));
      } else {
        pax.put("linkpath", link);
      }
      headerLink = Arrays.copyOf(link, 100);
    }
    if (!gnu) {
      if (e.uid() > MAX_OCTAL_8) {
        pax.put("uid", ascii(Long.toString(e.uid())));
      }
      if (e.gid() > MAX_OCTAL_8) {
        pax.put("gid", ascii(Long.toString(e.gid())));
      }
      if (size > MAX_OCTAL_12) {
        pax.put("size", ascii(Long.toString(size)));
      }
    }
    if (e.mtimeNanos() != 0) {
      pax.put("mtime", ascii(String.format("%d.%09d", e.mtimeSeconds(), e.mtimeNanos())));
    }
    for (Map.Entry<String, byte[]> x : new TreeMap<>(e.xattrs()).entrySet()) {
      pax.put("SCHILY.xattr." + x.getKey(), x.getValue());
    }
    pax.putAll(e.extraPax());
    if (!pax.isEmpty()) {
      writeExtended('x', "PaxHeaders/" + e.name(), paxBody(pax));
    }
    byte[] block = new byte[BLOCK];
    put(block, 0, 100, headerName);
    octal(block, 100, 8, e.mode(), false);
    octal(block, 108, 8, pax.containsKey("uid") ? 0 : e.uid(), gnu);
    octal(block, 116, 8, pax.containsKey("gid") ? 0 : e.gid(), gnu);
    octal(block, 124, 12, pax.containsKey("size") ? 0 : size, gnu);
    octal(block, 136, 12, e.mtimeSeconds(), gnu);
    block[156] = (byte) e.typeflag();
    put(block, 157, 100, headerLink);
    if (gnu) {
      put(block, 257, 8, ascii("ustar  \0"));
    } else {
      put(block, 257, 8, ascii("ustar\u000000"));
    }
    put(block, 265, 32, ascii("root"));
    put(block, 297, 32, ascii("root"));
    octal(block, 329, 8, e.devMajor(), false);
    octal(block, 337, 8, e.devMinor(), false);
    if (!gnu) {
      put(block, 345, 155, prefix);
    }
    writeHeader(block);
    out.write(e.data());
    written += e.data().length;
    pad();
    return this;
  }

  /** The end-of-archive marker, padded to GNU tar's 10 KiB record size as GNU tar does. */
  public void finish() throws IOException {
    out.write(new byte[2 * BLOCK]);
    written += 2 * BLOCK;
    long record = 20 * BLOCK;
    long rest = (record - written % record) % record;
    out.write(new byte[(int) rest]);
    written += rest;
    out.flush();
  }

  private void writeExtended(char type, String name, byte[] body) throws IOException {
    byte[] block = new byte[BLOCK];
    put(block, 0, 100, Arrays.copyOf(utf8(name), Math.min(100, utf8(name).length)));
    octal(block, 100, 8, 0644, false);
    octal(block, 108, 8, 0, false);
    octal(block, 116, 8, 0, false);
    octal(block, 124, 12, body.length, false);
    octal(block, 136, 12, 0, false);
    block[156] = (byte) type;
    put(block, 257, 8, type == 'L' || type == 'K' ? ascii("ustar  \0") : ascii("ustar\u000000"));
    writeHeader(block);
    out.write(body);
    written += body.length;
    pad();
  }

  private void writeHeader(byte[] block) throws IOException {
    Arrays.fill(block, 148, 156, (byte) ' ');
    long sum = 0;
    for (byte b : block) {
      sum += b & 0xff;
    }
    byte[] chk = ascii(String.format("%06o", sum));
    System.arraycopy(chk, 0, block, 148, 6);
    block[154] = 0;
    block[155] = ' ';
    out.write(block);
    written += BLOCK;
  }

  private void pad() throws IOException {
    int rest = (int) ((BLOCK - written % BLOCK) % BLOCK);
    out.write(new byte[rest]);
    written += rest;
  }

  static byte[] paxBody(Map<String, byte[]> records) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    for (Map.Entry<String, byte[]> r : records.entrySet()) {
      byte[] key = utf8(r.getKey());
      int inner = 1 + key.length + 1 + r.getValue().length + 1; // " key=value\n"
      int len = inner + Integer.toString(inner).length();
      if (Integer.toString(len).length() != Integer.toString(inner).length()) {
        len = inner + Integer.toString(len).length();
      }
      body.writeBytes(ascii(len + " "));
      body.writeBytes(key);
      body.write('=');
      body.writeBytes(r.getValue());
      body.write('\n');
    }
    return body.toByteArray();
  }

  private static void octal(byte[] block, int offset, int length, long value, boolean base256Allowed) {
    long max = (1L << (3 * (length - 1))) - 1;
    if (value <= max) {
      String s = String.format("%0" + (length - 1) + "o", value);
      put(block, offset, length, ascii(s));
      return;
    }
    if (!base256Allowed) {
      throw new IllegalArgumentException(value + " does not fit an octal field of " + length + " bytes");
    }
    for (int i = length - 1; i > 0; i--) {
      block[offset + i] = (byte) value;
      value >>>= 8;
    }
    block[offset] = (byte) 0x80;
  }

  private static int splitPoint(String name) {
    for (int i = name.length() - 1; i > 0; i--) {
      if (name.charAt(i) == '/' && utf8(name.substring(0, i)).length <= 155
          && utf8(name.substring(i + 1)).length <= 100) {
        return i;
      }
    }
    throw new IllegalArgumentException("name does not fit ustar's prefix and name: " + name);
  }

  private static void put(byte[] block, int offset, int max, byte[] value) {
    if (value.length > max) {
      throw new IllegalArgumentException("field overflow");
    }
    System.arraycopy(value, 0, block, offset, value.length);
  }

  private static byte[] withNul(byte[] b) {
    return Arrays.copyOf(b, b.length + 1);
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
