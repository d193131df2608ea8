package dev.lazypull.format.testing;

import dev.lazypull.format.EncodedLayer;
import dev.lazypull.format.EntryType;
import dev.lazypull.format.TarEntry;
import dev.lazypull.format.encode.EncoderOptions;
import dev.lazypull.format.encode.LayerEncoder;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A tar stream for tests: ustar headers, PAX records for long names, nanoseconds and xattrs (so
 * GNU tar reads it back), and the parts an encoder is fed. Test-only; the real tar reader lives in
 * builder.
 */
public final class TestTar {
  private final List<TarPart> parts = new ArrayList<>();
  private byte[] trailer = new byte[1024];

  public TestTar add(TarEntry e, byte[] content) {
    ByteArrayOutputStream header = new ByteArrayOutputStream();
    StringBuilder pax = new StringBuilder();
    String tarName = e.type() == EntryType.DIR && !e.path().isEmpty() ? e.path() + "/" : e.path().isEmpty() ? "./" : e.path();
    if (tarName.getBytes(StandardCharsets.UTF_8).length > 99) {
      paxRecord(pax, "path", tarName);
    }
    if (e.linkName() != null && e.linkName().getBytes(StandardCharsets.UTF_8).length > 99) {
      paxRecord(pax, "linkpath", e.linkName());
    }
    if (e.mtimeNanos() != 0) {
      paxRecord(pax, "mtime", e.mtimeSeconds() + "." + String.format("%09d", e.mtimeNanos()));
    }
    e.xattrs().forEach((k, v) -> paxRecord(pax, "SCHILY.xattr." + k, new String(v, StandardCharsets.ISO_8859_1)));
    if (!pax.isEmpty()) {
      byte[] records = paxBytes(pax.toString());
      header.writeBytes(block(truncate("PaxHeaders/" + tarName, 99), 0644, 0, 0, records.length, e.mtimeSeconds(), 'x', new byte[0], 0, 0));
      header.writeBytes(padded(records));
    }
    char flag = switch (e.type()) {
      case FILE, WHITEOUT, OPAQUE -> '0';
      case HARDLINK -> '1';
      case SYMLINK -> '2';
      case CHAR_DEVICE -> '3';
      case BLOCK_DEVICE -> '4';
      case DIR -> '5';
      case FIFO -> '6';
    };
    header.writeBytes(block(truncate(tarName, 99), e.mode(), e.uid(), e.gid(), e.size(), e.mtimeSeconds(), flag,
        e.linkName() == null ? new byte[0] : truncate(e.linkName(), 99), e.devMajor(), e.devMinor()));
    parts.add(new TarPart(e, header.toByteArray(), padded(content)));
    return this;
  }

  public TestTar file(String path, byte[] content) {
    return add(new TarEntry(path, EntryType.FILE, 0644, 0, 0, content.length, 1_700_000_000L, 0, null, 0, 0, Map.of()),
        content);
  }

  public TestTar dir(String path) {
    return add(new TarEntry(path, EntryType.DIR, 0755, 0, 0, 0, 1_700_000_000L, 0, null, 0, 0, Map.of()), new byte[0]);
  }

  public TestTar symlink(String path, String target) {
    return add(new TarEntry(path, EntryType.SYMLINK, 0777, 0, 0, 0, 1_700_000_000L, 0, target, 0, 0, Map.of()),
        new byte[0]);
  }

  public TestTar hardlink(String path, String target) {
    return add(new TarEntry(path, EntryType.HARDLINK, 0644, 0, 0, 0, 1_700_000_000L, 0, target, 0, 0, Map.of()),
        new byte[0]);
  }

  public TestTar trailer(byte[] bytes) {
    this.trailer = bytes;
    return this;
  }

  public List<TarPart> parts() {
    return parts;
  }

  /** The tar stream: every part, then the trailer. */
  public byte[] bytes() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (TarPart p : parts) {
      out.writeBytes(p.header());
      out.writeBytes(p.data());
    }
    out.writeBytes(trailer);
    return out.toByteArray();
  }

  /** Encodes this tar into {@code blob} with {@code options}. */
  public EncodedLayer encode(EncoderOptions options, ByteArrayOutputStream blob) {
    try (LayerEncoder encoder = new LayerEncoder(blob, options)) {
      for (TarPart p : parts) {
        encoder.addEntry(p.entry(), p.header(), new ByteArrayInputStream(p.data()), p.data().length);
      }
      encoder.finishTar(trailer);
      return encoder.finish();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] truncate(String s, int max) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    return b.length <= max ? b : java.util.Arrays.copyOf(b, max);
  }

  private static void paxRecord(StringBuilder pax, String key, String value) {
    String body = " " + key + "=" + value + "\n";
    int bodyLen = paxBytes(body).length;
    int len = bodyLen + 1;
    while (len != bodyLen + Integer.toString(len).length()) {
      len = bodyLen + Integer.toString(len).length();
    }
    pax.append(len).append(body);
  }

  /** Keys and names are UTF-8; xattr values were carried as ISO-8859-1 chars (< 256): write them as bytes. */
  private static byte[] paxBytes(String s) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (String line : s.split("(?<=\n)")) {
      int eq = line.indexOf('=');
      boolean rawValue = line.contains(" SCHILY.xattr.");
      if (rawValue && eq > 0) {
        out.writeBytes(line.substring(0, eq + 1).getBytes(StandardCharsets.UTF_8));
        out.writeBytes(line.substring(eq + 1).getBytes(StandardCharsets.ISO_8859_1));
      } else {
        out.writeBytes(line.getBytes(StandardCharsets.UTF_8));
      }
    }
    return out.toByteArray();
  }

  private static byte[] padded(byte[] content) {
    byte[] out = new byte[(content.length + 511) / 512 * 512];
    System.arraycopy(content, 0, out, 0, content.length);
    return out;
  }

  private static byte[] block(byte[] name, int mode, long uid, long gid, long size, long mtime, char type, byte[] link,
      int major, int minor) {
    byte[] b = new byte[512];
    put(b, 0, 100, name);
    octal(b, 100, 8, mode);
    octal(b, 108, 8, uid);
    octal(b, 116, 8, gid);
    octal(b, 124, 12, size);
    octal(b, 136, 12, Math.max(0, mtime));
    b[156] = (byte) type;
    put(b, 157, 100, link);
    put(b, 257, 6, "ustar\0".getBytes(StandardCharsets.US_ASCII));
    put(b, 263, 2, "00".getBytes(StandardCharsets.US_ASCII));
    octal(b, 329, 8, major);
    octal(b, 337, 8, minor);
    for (int i = 148; i < 156; i++) {
      b[i] = ' ';
    }
    long sum = 0;
    for (byte x : b) {
      sum += x & 0xFF;
    }
    octal(b, 148, 7, sum);
    return b;
  }

  private static void put(byte[] b, int off, int max, byte[] v) {
    System.arraycopy(v, 0, b, off, Math.min(max, v.length));
  }

  private static void octal(byte[] b, int off, int width, long v) {
    String s = Long.toOctalString(v);
    while (s.length() < width - 1) {
      s = "0" + s;
    }
    put(b, off, width - 1, s.getBytes(StandardCharsets.US_ASCII));
  }
}
