package dev.lazypull.format.tar;

import dev.lazypull.format.TarEntry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * A streaming tar reader that keeps what library readers hide: the exact header blocks of every
 * entry and their offsets in the stream, so that a converted layer can reproduce the source tar
 * byte for byte. Reads ustar, GNU (long names and links, base-256 numbers) and PAX (extended and
 * global headers, xattrs, sub-second mtimes); refuses what it cannot represent faithfully (sparse
 * files, multi-volume archives) and anything that would be unsafe to unpack.
 *
 * <p>The reader decodes; what an entry may be (types, id ranges, link targets, names) is decided by
 * {@link EntryRules}, so that decoding and policy can be read and changed apart.
 *
 * <p>Not thread-safe; one reader per layer. Memory stays bounded by the largest extended header
 * plus one path per non-directory entry (to validate hardlinks).
 */
public final class TarReader {
  static final int BLOCK = 512;
  /** Bound on PAX and GNU long-name bodies, so a corrupt size cannot exhaust the heap. */
  static final int MAX_EXTENDED_HEADER = 1 << 20;
  /** Bound on the bytes after the end-of-archive marker (GNU tar pads to 10 KiB records). */
  static final int MAX_TRAILER = 1 << 20;

  private final InputStream in;
  private final String layer;
  private final EntryRules rules;
  private final Map<String, byte[]> globalPax = new LinkedHashMap<>();
  private final byte[] block = new byte[BLOCK];
  private long position;
  private EntryData current;
  private byte[] trailer;

  /**
   * @param in the uncompressed tar stream (buffer it: headers are read a block at a time)
   * @param layer how errors name the layer (usually its digest)
   * @param lowerLayersHave whether a path exists as a non-directory in the layers below, to check
   *     hardlink targets; null when unknown, which lets hardlinks to unseen targets pass
   */
  public TarReader(InputStream in, String layer, Predicate<String> lowerLayersHave) {
    this.in = in;
    this.layer = layer;
    this.rules = new EntryRules(layer, lowerLayersHave);
  }

  /** Bytes of the tar stream consumed so far. */
  public long position() {
    return position;
  }

  /**
   * Everything after the last entry: the end-of-archive marker and padding, byte for byte. Empty
   * when the stream ended without a marker. Only valid once {@link #next()} returned null.
   */
  public byte[] trailer() {
    if (trailer == null) {
      throw new IllegalStateException("the archive has not been read to its end");
    }
    return trailer;
  }

  /** The next entry, or null at the end of the archive. Skips what the caller left of the last entry's data. */
  public TarRecord next() throws IOException {
    if (trailer != null) {
      return null;
    }
    if (current != null) {
      current.skipRest();
      current = null;
    }
    long headerOffset = position;
    ByteArrayOutputStream raw = new ByteArrayOutputStream(BLOCK);
    Map<String, byte[]> localPax = new HashMap<>();
    String gnuLongName = null;
    String gnuLongLink = null;
    while (true) {
      int n = readBlock(raw.size() == 0 ? null : lastKnownName(localPax, gnuLongName));
      if (n == 0) {
        if (raw.size() > 0) {
          throw error(lastKnownName(localPax, gnuLongName), "archive ends after an extended header, before its entry");
        }
        trailer = new byte[0];
        return null;
      }
      if (isZeroBlock(block)) {
        if (raw.size() > 0) {
          throw error(lastKnownName(localPax, gnuLongName), "end-of-archive marker right after an extended header");
        }
        readTrailer();
        return null;
      }
      String headerName = lenientName(block);
      verifyChecksum(headerName);
      raw.write(block, 0, BLOCK);
      byte typeflag = block[156];
      switch (typeflag) {
        case 'x' -> localPax.putAll(pax(readExtendedBody(headerName, raw), headerName));
        case 'g' -> mergeGlobal(pax(readExtendedBody(headerName, raw), headerName));
        case 'L' -> gnuLongName = gnuName(readExtendedBody(headerName, raw), headerName);
        case 'K' -> gnuLongLink = gnuName(readExtendedBody(headerName, raw), headerName);
        default -> {
          TarEntry entry = rules.entry(decode(typeflag, headerName, localPax, gnuLongName, gnuLongLink));
          long padded = roundUp(entry.size());
          current = new EntryData(padded, entry.path());
          return new TarRecord(entry, raw.toByteArray(), headerOffset, current, padded);
        }
      }
    }
  }

  /** The entry's fields as the archive states them: the ustar block overridden by PAX and GNU records. */
  private TarHeader decode(byte typeflag, String headerName, Map<String, byte[]> localPax, String gnuLongName,
      String gnuLongLink) throws IOException {
    Map<String, byte[]> pax = new LinkedHashMap<>(globalPax);
    for (Map.Entry<String, byte[]> e : localPax.entrySet()) {
      if (e.getValue().length == 0 && globalPax.containsKey(e.getKey())) {
        pax.remove(e.getKey()); // an empty value cancels a global default (an empty xattr stays)
      } else {
        pax.put(e.getKey(), e.getValue());
      }
    }
    boolean ustar = block[257] == 'u' && block[258] == 's' && block[259] == 't' && block[260] == 'a'
        && block[261] == 'r' && block[262] == 0;
    String name;
    if (pax.containsKey("path")) {
      name = utf8(pax.get("path"), headerName, "PAX path");
    } else if (gnuLongName != null) {
      name = gnuLongName;
    } else {
      String prefix = ustar ? cString(block, 345, 155, headerName) : "";
      name = prefix.isEmpty() ? cString(block, 0, 100, headerName) : prefix + "/" + cString(block, 0, 100, headerName);
    }
    String link;
    if (pax.containsKey("linkpath")) {
      link = utf8(pax.get("linkpath"), name, "PAX linkpath");
    } else if (gnuLongLink != null) {
      link = gnuLongLink;
    } else {
      link = cString(block, 157, 100, name);
    }
    long size = pax.containsKey("size") ? paxDecimal(pax, "size", name) : number(124, 12, "size", name);
    long uid = pax.containsKey("uid") ? paxDecimal(pax, "uid", name) : number(108, 8, "uid", name);
    long gid = pax.containsKey("gid") ? paxDecimal(pax, "gid", name) : number(116, 8, "gid", name);
    int mode = (int) (number(100, 8, "mode", name) & 07777);
    long mtimeSeconds;
    int mtimeNanos;
    if (pax.containsKey("mtime")) {
      long[] t = paxTime(pax.get("mtime"), name);
      mtimeSeconds = t[0];
      mtimeNanos = (int) t[1];
    } else {
      mtimeSeconds = number(136, 12, "mtime", name);
      mtimeNanos = 0;
    }
    // Writers leave anything in the device fields of other entries: decode them for devices only.
    boolean device = typeflag == '3' || typeflag == '4';
    long devMajor = device ? number(329, 8, "devmajor", name) : 0;
    long devMinor = device ? number(337, 8, "devminor", name) : 0;
    return new TarHeader(typeflag, name, link, size, uid, gid, mode, mtimeSeconds, mtimeNanos, devMajor, devMinor,
        Set.copyOf(pax.keySet()), xattrs(pax, name));
  }

  private Map<String, byte[]> xattrs(Map<String, byte[]> pax, String name) throws TarFormatException {
    Map<String, byte[]> xattrs = new HashMap<>();
    for (Map.Entry<String, byte[]> e : pax.entrySet()) {
      String key = e.getKey();
      if (key.startsWith("SCHILY.xattr.")) {
        xattrs.put(checkXattrName(key.substring("SCHILY.xattr.".length()), name), e.getValue());
      } else if (key.startsWith("LIBARCHIVE.xattr.")) {
        String xattr = percentDecode(key.substring("LIBARCHIVE.xattr.".length()), name);
        try {
          xattrs.put(checkXattrName(xattr, name), Base64.getDecoder().decode(e.getValue()));
        } catch (IllegalArgumentException bad) {
          throw error(name, "xattr " + xattr + " is not valid base64 in LIBARCHIVE.xattr");
        }
      }
    }
    return xattrs;
  }

  private String checkXattrName(String xattr, String name) throws TarFormatException {
    if (xattr.isEmpty() || xattr.indexOf('\0') >= 0) {
      throw error(name, "invalid xattr name '" + xattr.replace("\0", "\\0") + "'");
    }
    return xattr;
  }

  private String percentDecode(String s, String name) throws TarFormatException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < bytes.length; i++) {
      if (bytes[i] == '%') {
        if (i + 2 >= bytes.length) {
          throw error(name, "bad percent-encoding in LIBARCHIVE.xattr." + s);
        }
        int hi = Character.digit(bytes[i + 1], 16);
        int lo = Character.digit(bytes[i + 2], 16);
        if (hi < 0 || lo < 0) {
          throw error(name, "bad percent-encoding in LIBARCHIVE.xattr." + s);
        }
        out.write(hi << 4 | lo);
        i += 2;
      } else {
        out.write(bytes[i]);
      }
    }
    return utf8(out.toByteArray(), name, "xattr name");
  }

  private void mergeGlobal(Map<String, byte[]> records) {
    for (Map.Entry<String, byte[]> e : records.entrySet()) {
      if (e.getValue().length == 0) {
        globalPax.remove(e.getKey());
      } else {
        globalPax.put(e.getKey(), e.getValue());
      }
    }
  }

  /** Reads the body of an extended header (PAX or GNU) including its padding into {@code raw}. */
  private byte[] readExtendedBody(String headerName, ByteArrayOutputStream raw) throws IOException {
    long size = number(124, 12, "size", headerName);
    if (size > MAX_EXTENDED_HEADER) {
      throw error(headerName, "extended header of " + size + " bytes exceeds the limit of " + MAX_EXTENDED_HEADER);
    }
    int padded = (int) roundUp(size);
    byte[] body = new byte[padded];
    int read = in.readNBytes(body, 0, padded);
    position += read;
    if (read < padded) {
      throw error(headerName, "truncated: extended header declares " + size + " bytes, the stream ended after " + read);
    }
    raw.write(body, 0, padded);
    return java.util.Arrays.copyOf(body, (int) size);
  }

  private Map<String, byte[]> pax(byte[] body, String headerName) throws TarFormatException {
    try {
      return PaxRecords.parse(body, body.length);
    } catch (PaxRecords.BadPaxException e) {
      throw error(headerName, "corrupt PAX header: " + e.getMessage());
    }
  }

  private String gnuName(byte[] body, String headerName) throws TarFormatException {
    int end = body.length;
    while (end > 0 && body[end - 1] == 0) {
      end--;
    }
    for (int i = 0; i < end; i++) {
      if (body[i] == 0) {
        throw error(headerName, "NUL byte inside a GNU long name");
      }
    }
    return utf8(java.util.Arrays.copyOf(body, end), headerName, "GNU long name");
  }

  private void verifyChecksum(String headerName) throws TarFormatException {
    long stored;
    try {
      stored = TarNumbers.parse(block, 148, 8, "chksum");
    } catch (TarNumbers.BadNumberException e) {
      throw error(headerName, "corrupt header: " + e.getMessage());
    }
    long unsigned = 0;
    long signed = 0;
    for (int i = 0; i < BLOCK; i++) {
      byte b = (i >= 148 && i < 156) ? (byte) ' ' : block[i];
      unsigned += b & 0xff;
      signed += b;
    }
    if (stored != unsigned && stored != signed) {
      throw error(headerName, "corrupt header: checksum " + stored + " does not match the header's bytes (" + unsigned + ")");
    }
  }

  /** Reads one block; returns 0 at a clean end of stream, 512 otherwise. */
  private int readBlock(String entry) throws IOException {
    int n = in.readNBytes(block, 0, BLOCK);
    position += n;
    if (n != 0 && n != BLOCK) {
      throw error(entry, "truncated: the stream ends inside a header block (offset " + (position - n) + ")");
    }
    return n;
  }

  private void readTrailer() throws IOException {
    byte[] rest = in.readNBytes(MAX_TRAILER);
    if (in.read() >= 0) {
      throw error(null, "more than " + MAX_TRAILER + " bytes after the end-of-archive marker");
    }
    for (byte b : rest) {
      if (b != 0) {
        throw error(null, "data after the end-of-archive marker at offset " + (position - BLOCK)
            + " (a lone zero block or concatenated archives)");
      }
    }
    trailer = new byte[BLOCK + rest.length];
    position += rest.length;
  }

  private long number(int offset, int length, String field, String entry) throws TarFormatException {
    try {
      return TarNumbers.parse(block, offset, length, field);
    } catch (TarNumbers.BadNumberException e) {
      throw error(entry, "corrupt header: " + e.getMessage());
    }
  }

  private long paxDecimal(Map<String, byte[]> pax, String key, String entry) throws TarFormatException {
    String s = new String(pax.get(key), StandardCharsets.US_ASCII);
    try {
      long v = Long.parseLong(s);
      if (v < 0) {
        throw new NumberFormatException();
      }
      return v;
    } catch (NumberFormatException e) {
      throw error(entry, "PAX " + key + " '" + s + "' is not a non-negative integer");
    }
  }

  private long[] paxTime(byte[] value, String entry) throws TarFormatException {
    String s = new String(value, StandardCharsets.US_ASCII);
    try {
      boolean negative = s.startsWith("-");
      String digits = negative ? s.substring(1) : s;
      int dot = digits.indexOf('.');
      String whole = dot < 0 ? digits : digits.substring(0, dot);
      String frac = dot < 0 ? "" : digits.substring(dot + 1);
      if (whole.isEmpty() || !whole.chars().allMatch(Character::isDigit) || !frac.chars().allMatch(Character::isDigit)) {
        throw new NumberFormatException();
      }
      long seconds = Long.parseLong(whole);
      String nineDigits = (frac + "000000000").substring(0, 9);
      long nanos = Long.parseLong(nineDigits);
      if (negative) {
        seconds = -seconds;
        if (nanos > 0) {
          seconds -= 1;
          nanos = 1_000_000_000L - nanos;
        }
      }
      return new long[] {seconds, nanos};
    } catch (NumberFormatException e) {
      throw error(entry, "PAX mtime '" + s + "' is not a time");
    }
  }

  private String cString(byte[] b, int offset, int length, String entry) throws TarFormatException {
    int end = offset;
    while (end < offset + length && b[end] != 0) {
      end++;
    }
    return utf8(java.util.Arrays.copyOfRange(b, offset, end), entry, "header field");
  }

  /** The name field for messages only: it may be a truncated copy of a longer name, cut inside a character. */
  private static String lenientName(byte[] b) {
    int end = 0;
    while (end < 100 && b[end] != 0) {
      end++;
    }
    return new String(b, 0, end, StandardCharsets.UTF_8);
  }

  private String utf8(byte[] bytes, String entry, String what) throws TarFormatException {
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      throw error(entry, what + " is not valid UTF-8");
    }
  }

  private static String lastKnownName(Map<String, byte[]> pax, String gnuLongName) {
    if (pax.containsKey("path")) {
      return new String(pax.get("path"), StandardCharsets.UTF_8);
    }
    return gnuLongName;
  }

  private static boolean isZeroBlock(byte[] b) {
    for (byte x : b) {
      if (x != 0) {
        return false;
      }
    }
    return true;
  }

  static long roundUp(long size) {
    return (size + BLOCK - 1) & -BLOCK;
  }

  TarFormatException error(String entry, String problem) {
    return new TarFormatException(layer, entry, problem);
  }

  /** The current entry's data blocks; fails loudly when the stream ends early. */
  private final class EntryData extends InputStream {
    private final String entry;
    private long remaining;
    private final long total;

    EntryData(long padded, String entry) {
      this.remaining = padded;
      this.total = padded;
      this.entry = entry;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (remaining == 0) {
        return -1;
      }
      if (current != this) {
        throw new IllegalStateException("entry data read after the reader moved on");
      }
      int n = in.read(b, off, (int) Math.min(len, remaining));
      if (n < 0) {
        throw truncated();
      }
      remaining -= n;
      position += n;
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      long skipped = in.skip(Math.min(n, remaining));
      remaining -= skipped;
      position += skipped;
      return skipped;
    }

    @Override
    public int available() throws IOException {
      return (int) Math.min(in.available(), remaining);
    }

    void skipRest() throws IOException {
      byte[] buf = new byte[8192];
      while (remaining > 0) {
        long s = skip(remaining);
        if (s <= 0 && read(buf, 0, (int) Math.min(buf.length, remaining)) < 0) {
          throw truncated();
        }
      }
    }

    private TarFormatException truncated() {
      return error(entry, "truncated: the entry has " + total + " bytes of data blocks, the stream ended after "
          + (total - remaining));
    }
  }
}
