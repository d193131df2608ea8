package dev.lazypull.format.testing;

import dev.lazypull.format.EntryType;
import dev.lazypull.format.PathNames;
import dev.lazypull.format.TarEntry;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;

/**
 * Splits a whole tar (as GNU tar writes it: ustar, PAX and GNU long-name headers) into the parts an
 * encoder is fed, to drive the encoder with real archives in tests. Test-only and deliberately
 * small; the production tar reader lives in index-builder.
 */
public final class TarParser {
  public record Parsed(List<TarPart> parts, byte[] trailer) {}

  public static Parsed parse(byte[] tar) {
    List<TarPart> parts = new ArrayList<>();
    int pos = 0;
    ByteArrayOutputStream header = new ByteArrayOutputStream();
    String paxPath = null;
    String paxLink = null;
    long paxSize = -1;
    long paxMtime = Long.MIN_VALUE;
    int paxNanos = 0;
    TreeMap<String, byte[]> xattrs = new TreeMap<>();
    while (pos + 512 <= tar.length) {
      byte[] b = Arrays.copyOfRange(tar, pos, pos + 512);
      if (isZero(b) && header.size() == 0) {
        break;
      }
      header.writeBytes(b);
      pos += 512;
      char type = (char) b[156];
      long size = octal(b, 124, 12);
      int padded = (int) ((size + 511) / 512 * 512);
      if (type == 'x' || type == 'L' || type == 'K' || type == 'g') {
        byte[] data = Arrays.copyOfRange(tar, pos, pos + (int) size);
        header.write(tar, pos, padded);
        pos += padded;
        if (type == 'L') {
          paxPath = cString(data);
        } else if (type == 'K') {
          paxLink = cString(data);
        } else if (type == 'x') {
          int p = 0;
          while (p < data.length) {
            int sp = indexOf(data, (byte) ' ', p);
            int len = Integer.parseInt(new String(data, p, sp - p, StandardCharsets.US_ASCII));
            int eq = indexOf(data, (byte) '=', sp);
            String key = new String(data, sp + 1, eq - sp - 1, StandardCharsets.UTF_8);
            byte[] value = Arrays.copyOfRange(data, eq + 1, p + len - 1);
            String v = new String(value, StandardCharsets.UTF_8);
            switch (key) {
              case "path" -> paxPath = v;
              case "linkpath" -> paxLink = v;
              case "size" -> paxSize = Long.parseLong(v);
              case "mtime" -> {
                int dot = v.indexOf('.');
                paxMtime = Long.parseLong(dot < 0 ? v : v.substring(0, dot));
                if (dot >= 0) {
                  String frac = (v.substring(dot + 1) + "000000000").substring(0, 9);
                  paxNanos = Integer.parseInt(frac);
                }
              }
              default -> {
                if (key.startsWith("SCHILY.xattr.")) {
                  xattrs.put(key.substring("SCHILY.xattr.".length()), value);
                }
              }
            }
            p += len;
          }
        }
        continue;
      }
      String name = paxPath != null ? paxPath : ustarName(b);
      String link = paxLink != null ? paxLink : cString(Arrays.copyOfRange(b, 157, 257));
      if (paxSize >= 0) {
        size = paxSize;
        padded = (int) ((size + 511) / 512 * 512);
      }
      EntryType t = switch (type) {
        case '1' -> EntryType.HARDLINK;
        case '2' -> EntryType.SYMLINK;
        case '3' -> EntryType.CHAR_DEVICE;
        case '4' -> EntryType.BLOCK_DEVICE;
        case '5' -> EntryType.DIR;
        case '6' -> EntryType.FIFO;
        default -> EntryType.FILE;
      };
      TarEntry e = new TarEntry(PathNames.normalize(name), t, (int) octal(b, 100, 8) & 07777, octal(b, 108, 8),
          octal(b, 116, 8), t == EntryType.FILE ? size : 0, paxMtime != Long.MIN_VALUE ? paxMtime : octal(b, 136, 12),
          paxNanos, t == EntryType.HARDLINK ? PathNames.normalize(link) : t == EntryType.SYMLINK ? link : null,
          (int) octal(b, 329, 8), (int) octal(b, 337, 8), xattrs);
      byte[] data = Arrays.copyOfRange(tar, pos, pos + padded);
      pos += padded;
      parts.add(new TarPart(e, header.toByteArray(), data));
      header.reset();
      paxPath = null;
      paxLink = null;
      paxSize = -1;
      paxMtime = Long.MIN_VALUE;
      paxNanos = 0;
      xattrs = new TreeMap<>();
    }
    return new Parsed(parts, Arrays.copyOfRange(tar, pos, tar.length));
  }

  private static String ustarName(byte[] b) {
    String name = cString(Arrays.copyOfRange(b, 0, 100));
    String prefix = cString(Arrays.copyOfRange(b, 345, 500));
    return prefix.isEmpty() ? name : prefix + "/" + name;
  }

  private static boolean isZero(byte[] b) {
    for (byte x : b) {
      if (x != 0) {
        return false;
      }
    }
    return true;
  }

  private static int indexOf(byte[] b, byte v, int from) {
    for (int i = from; i < b.length; i++) {
      if (b[i] == v) {
        return i;
      }
    }
    throw new IllegalArgumentException("malformed PAX record");
  }

  private static String cString(byte[] b) {
    int n = 0;
    while (n < b.length && b[n] != 0) {
      n++;
    }
    return new String(b, 0, n, StandardCharsets.UTF_8);
  }

  private static long octal(byte[] b, int off, int len) {
    long v = 0;
    for (int i = off; i < off + len; i++) {
      int c = b[i];
      if (c >= '0' && c <= '7') {
        v = v * 8 + (c - '0');
      } else if (c != ' ' && c != 0) {
        break;
      } else if (v > 0) {
        break;
      }
    }
    return v;
  }

  private TarParser() {}
}
