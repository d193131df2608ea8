package dev.lazypull.builder.overlay.tar;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Deterministic tar headers for the added layer: POSIX ustar, with a PAX extended header in front
 * when a name or link target does not fit or a size exceeds ustar's 8 GiB. Owner is always root
 * (uid/gid 0, no user or group names), so the bytes depend only on path, type, mode, size, mtime
 * and link target; the same tree gives the same layer on any machine.
 */
public final class TarHeaders {
  public static final int BLOCK = 512;

  /** The entry types the added layer contains. */
  public enum Type {
    FILE('0'),
    SYMLINK('2'),
    DIRECTORY('5');

    final byte flag;

    Type(char flag) {
      this.flag = (byte) flag;
    }
  }

  private static final int NAME_LEN = 100;
  private static final long MAX_USTAR_SIZE = 077777777777L;

  private TarHeaders() {}

  /**
   * The header blocks of one entry (PAX header and its data when needed, then the ustar header).
   * {@code path} is relative to the root without leading slash; directories get a trailing slash.
   */
  public static byte[] header(String path, Type type, int mode, long size, long mtimeSeconds, String linkTarget) {
    if (mtimeSeconds < 0 || mtimeSeconds > 077777777777L) {
      throw new IllegalArgumentException("mtime " + mtimeSeconds + " does not fit a tar header");
    }
    String name = type == Type.DIRECTORY ? path + "/" : path;
    byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
    byte[] linkBytes = linkTarget == null ? new byte[0] : linkTarget.getBytes(StandardCharsets.UTF_8);
    Map<String, String> pax = new LinkedHashMap<>();
    if (nameBytes.length > NAME_LEN) {
      pax.put("path", name);
    }
    if (linkBytes.length > NAME_LEN) {
      pax.put("linkpath", linkTarget);
    }
    if (size > MAX_USTAR_SIZE) {
      pax.put("size", Long.toString(size));
    }
    byte[] ustar = ustar(truncate(nameBytes), type.flag, mode, size > MAX_USTAR_SIZE ? 0 : size, mtimeSeconds, truncate(linkBytes));
    if (pax.isEmpty()) {
      return ustar;
    }
    byte[] records = paxRecords(pax);
    // The PAX header's own name is fixed, so it adds nothing that varies between machines.
    byte[] paxHeader = ustar("PaxHeader".getBytes(StandardCharsets.US_ASCII), (byte) 'x', 0644, records.length, mtimeSeconds, new byte[0]);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(paxHeader);
    out.writeBytes(records);
    out.writeBytes(new byte[padding(records.length)]);
    out.writeBytes(ustar);
    return out.toByteArray();
  }

  /** Zero bytes that follow {@code size} bytes of data up to the next block boundary. */
  public static int padding(long size) {
    return (int) ((BLOCK - size % BLOCK) % BLOCK);
  }

  /** The end-of-archive marker: two zero blocks. */
  public static byte[] trailer() {
    return new byte[2 * BLOCK];
  }

  private static byte[] truncate(byte[] b) {
    return b.length <= NAME_LEN ? b : Arrays.copyOf(b, NAME_LEN);
  }

  private static byte[] paxRecords(Map<String, String> pax) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    pax.forEach((k, v) -> {
      byte[] body = (" " + k + "=" + v + "\n").getBytes(StandardCharsets.UTF_8);
      // The length field counts its own digits: grow it until it is consistent.
      int len = body.length + 1;
      while (Integer.toString(len).length() + body.length != len) {
        len = Integer.toString(len).length() + body.length;
      }
      out.writeBytes(Integer.toString(len).getBytes(StandardCharsets.US_ASCII));
      out.writeBytes(body);
    });
    return out.toByteArray();
  }

  private static byte[] ustar(byte[] name, byte typeflag, int mode, long size, long mtime, byte[] link) {
    byte[] h = new byte[BLOCK];
    System.arraycopy(name, 0, h, 0, name.length);
    octal(h, 100, 8, mode);
    octal(h, 108, 8, 0);
    octal(h, 116, 8, 0);
    octal(h, 124, 12, size);
    octal(h, 136, 12, mtime);
    h[156] = typeflag;
    System.arraycopy(link, 0, h, 157, link.length);
    System.arraycopy("ustar\u000000".getBytes(StandardCharsets.US_ASCII), 0, h, 257, 8);
    octal(h, 329, 8, 0);
    octal(h, 337, 8, 0);
    Arrays.fill(h, 148, 156, (byte) ' ');
    long sum = 0;
    for (byte b : h) {
      sum += b & 0xff;
    }
    String chk = String.format("%06o", sum);
    System.arraycopy(chk.getBytes(StandardCharsets.US_ASCII), 0, h, 148, 6);
    h[154] = 0;
    h[155] = ' ';
    return h;
  }

  private static void octal(byte[] h, int offset, int width, long value) {
    String s = Long.toOctalString(value);
    if (s.length() > width - 1) {
      throw new IllegalArgumentException("value " + value + " does not fit a " + width + "-byte tar field");
    }
    String padded = "0".repeat(width - 1 - s.length()) + s;
    System.arraycopy(padded.getBytes(StandardCharsets.US_ASCII), 0, h, offset, width - 1);
    h[offset + width - 1] = 0;
  }
}
