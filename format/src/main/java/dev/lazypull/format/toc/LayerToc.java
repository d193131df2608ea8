package dev.lazypull.format.toc;

import com.github.luben.zstd.Zstd;
import dev.lazypull.format.EntryType;
import dev.lazypull.format.FormatException;
import dev.lazypull.format.IndexBudget;
import dev.lazypull.format.LazyAnnotations.TocPointer;
import dev.lazypull.format.TarEntry;
import dev.lazypull.oci.Descriptor;
import dev.lazypull.oci.Digest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Map;

/**
 * One layer's table of contents, decoded into flat primitive arrays (no object per entry): the
 * frame table and every tar entry in tar order. Entry {@code i}'s attributes are read by index.
 * Every path, link target and xattr is validated while decoding, so a TOC that decodes is safe to
 * use. Immutable; safe to share between threads.
 */
public final class LayerToc {
  private final FrameTable frames;
  private final int count;
  private final byte[] types;
  private final int[] modes;
  private final int[] uids;
  private final int[] gids;
  private final long[] sizes;
  private final long[] mtimes;
  private final int[] nanos;
  private final long[] dataOffsets;
  /** Entry i's path is {@code paths[pathOff[i] .. pathOff[i+1])}; likewise links and encoded xattrs. */
  private final byte[] paths;
  private final int[] pathOff;
  private final byte[] links;
  private final int[] linkOff;
  private final byte[] xattrs;
  private final int[] xattrOff;
  /** major, minor of entry i at [2i], [2i+1]; null when no entry is a device. */
  private final int[] devices;
  private final PrefetchList prefetch;

  private LayerToc(TocDecoder d, PrefetchList prefetch) {
    this.prefetch = prefetch;
    this.frames = d.frames;
    this.count = d.count;
    this.types = d.types;
    this.modes = d.modes;
    this.uids = d.uids;
    this.gids = d.gids;
    this.sizes = d.sizes;
    this.mtimes = d.mtimes;
    this.nanos = d.nanos;
    this.dataOffsets = d.dataOffsets;
    this.paths = d.paths.toArray();
    this.pathOff = d.pathOff;
    this.links = d.links.toArray();
    this.linkOff = d.linkOff;
    this.xattrs = d.xattrs.toArray();
    this.xattrOff = d.xattrOff;
    this.devices = d.hasDevices ? d.devices : null;
  }

  /**
   * Checks, before the TOC is fetched, that {@code pointer} places it where the format says (it
   * ends the blob of {@code layer}, whose size the manifest pins) and takes its bytes from {@code
   * budget}. Throws {@link FormatException} naming the layer and the check.
   */
  public static void requirePlacement(Descriptor layer, TocPointer pointer, IndexBudget budget) throws FormatException {
    requireEndsBlob(layer, pointer);
    budget.charge(pointer.length(), "TOC of layer " + layer.digest() + " (" + pointer.length() + " bytes)");
  }

  /**
   * The verified TOC of {@code layer}: {@code skippableFrame} (the bytes {@code pointer} names,
   * header included) must have the pinned length and digest, and the decoded TOC must fit the blob
   * (the frames fill it up to the TOC exactly) and {@code budget}. Every check is described in
   * docs/FORMAT.md 3.2; a failure throws {@link FormatException} naming the layer and the check.
   */
  public static LayerToc read(byte[] skippableFrame, Descriptor layer, TocPointer pointer, IndexBudget budget)
      throws FormatException {
    String what = "TOC of layer " + layer.digest();
    requireEndsBlob(layer, pointer);
    if (skippableFrame.length != pointer.length()) {
      throw new FormatException(what + " is " + skippableFrame.length + " bytes, the annotation says " + pointer.length());
    }
    requireDigest(skippableFrame, pointer.digest(), layer.digest());
    return decode(skippableFrame, layer.digest(), pointer.offset(), budget);
  }

  /**
   * Verifies that {@code skippableFrame} has digest {@code expected}, then decodes it with no blob
   * to check it against and no memory bound: for tools and tests that made the TOC themselves.
   */
  public static LayerToc read(byte[] skippableFrame, Digest expected, Digest layer) throws FormatException {
    requireDigest(skippableFrame, expected, layer);
    return decode(skippableFrame, layer, -1, IndexBudget.unlimited());
  }

  private static void requireEndsBlob(Descriptor layer, TocPointer pointer) throws FormatException {
    if (pointer.offset() + pointer.length() != layer.size()) {
      throw new FormatException("TOC of layer " + layer.digest() + ": the annotations place it at bytes " + pointer.offset()
          + "+" + pointer.length() + ", but it must end the blob, which is " + layer.size() + " bytes");
    }
  }

  private static void requireDigest(byte[] skippableFrame, Digest expected, Digest layer) throws FormatException {
    MessageDigest sha = Digest.newSha256();
    Digest actual = Digest.of(sha.digest(skippableFrame));
    if (!actual.equals(expected)) {
      throw new FormatException("TOC of layer " + layer + " has digest " + actual + ", expected " + expected);
    }
  }

  /** {@code tocOffset}: where the TOC starts in the blob, so where the frames must end; -1 when unknown. */
  private static LayerToc decode(byte[] f, Digest layer, long tocOffset, IndexBudget budget) throws FormatException {
    String what = "TOC of layer " + layer;
    if (f.length < TocLayout.HEADER_BYTES) {
      throw new FormatException(what + " is truncated: " + f.length + " bytes, the header alone is " + TocLayout.HEADER_BYTES);
    }
    if (TocLayout.getIntLE(f, 0) != TocLayout.SKIPPABLE_MAGIC || TocLayout.getIntLE(f, 8) != TocLayout.TOC_MAGIC) {
      throw new FormatException(what + " does not start with the lazypull TOC magic");
    }
    if (Integer.toUnsignedLong(TocLayout.getIntLE(f, 4)) != f.length - 8L) {
      throw new FormatException(what + ": frame length " + Integer.toUnsignedLong(TocLayout.getIntLE(f, 4))
          + " does not match the " + (f.length - 8) + " bytes present");
    }
    if (f[12] != TocLayout.VERSION) {
      throw new FormatException(what + " has version " + (f[12] & 0xFF) + ", this build reads version " + TocLayout.VERSION);
    }
    int bodyLength = TocLayout.getIntLE(f, 16);
    if (bodyLength < 0 || bodyLength > TocLayout.MAX_BODY_BYTES) {
      throw new FormatException(what + ": body length " + Integer.toUnsignedLong(bodyLength) + " exceeds the limit of "
          + TocLayout.MAX_BODY_BYTES + " bytes");
    }
    int bodyEnd = TocExtensions.bodyEnd(f, what); // extension frames may follow the body
    int compressedBody = bodyEnd - TocLayout.HEADER_BYTES;
    if (bodyLength > (long) TocLayout.ZSTD_MAX_RATIO * compressedBody) {
      throw new FormatException(what + ": body length " + bodyLength + " cannot come out of " + compressedBody
          + " compressed bytes (zstd inflates at most " + TocLayout.ZSTD_MAX_RATIO + " times)");
    }
    long declared = Zstd.getFrameContentSize(f, TocLayout.HEADER_BYTES, compressedBody);
    if (declared != bodyLength) {
      throw new FormatException(what + ": compressed body is corrupt or truncated (content size " + declared
          + ", expected " + bodyLength + ")");
    }
    budget.charge(bodyLength, what + ": its body of " + bodyLength + " bytes");
    byte[] body = new byte[bodyLength];
    long n = Zstd.decompressByteArray(body, 0, bodyLength, f, TocLayout.HEADER_BYTES, compressedBody);
    if (Zstd.isError(n) || n != bodyLength) {
      throw new FormatException(what + ": compressed body is corrupt or truncated ("
          + (Zstd.isError(n) ? Zstd.getErrorName(n) : n + " of " + bodyLength + " bytes") + ")");
    }
    TocDecoder decoded = new TocDecoder(new VarintReader(body, 0, bodyLength, what), layer, what, tocOffset, budget).decode();
    return new LayerToc(decoded, TocExtensions.prefetch(f, bodyEnd, what, budget));
  }

  /**
   * The start-up prefetch list this TOC carries (an image's list lives in its top layer's TOC),
   * {@link PrefetchList#EMPTY} when none. Its indices are checked against the image by {@code
   * MergedIndex}, which alone knows the layers.
   */
  public PrefetchList prefetch() {
    return prefetch;
  }

  public FrameTable frames() {
    return frames;
  }

  public Digest layer() {
    return frames.layer();
  }

  public int entryCount() {
    return count;
  }

  public String path(int i) {
    return new String(paths, pathOff[i], pathOff[i + 1] - pathOff[i], StandardCharsets.UTF_8);
  }

  /** The UTF-8 bytes of entry {@code i}'s path (a fresh copy). */
  public byte[] pathBytes(int i) {
    return Arrays.copyOfRange(paths, pathOff[i], pathOff[i + 1]);
  }

  public EntryType type(int i) {
    return EntryType.ofCode(types[i]);
  }

  /** Permission bits including setuid/setgid/sticky (07777). */
  public int mode(int i) {
    return modes[i];
  }

  public long uid(int i) {
    return Integer.toUnsignedLong(uids[i]);
  }

  public long gid(int i) {
    return Integer.toUnsignedLong(gids[i]);
  }

  /** Content bytes of a FILE; 0 for other types. */
  public long size(int i) {
    return sizes[i];
  }

  public long mtimeSeconds(int i) {
    return mtimes[i];
  }

  public int mtimeNanos(int i) {
    return nanos[i];
  }

  /** Symlink target or hardlink target path; null for other types. */
  public String linkName(int i) {
    byte[] b = linkBytes(i);
    return b == null ? null : new String(b, StandardCharsets.UTF_8);
  }

  /** The link target's bytes (a fresh copy); null for other types. */
  public byte[] linkBytes(int i) {
    EntryType t = type(i);
    return t == EntryType.SYMLINK || t == EntryType.HARDLINK ? Arrays.copyOfRange(links, linkOff[i], linkOff[i + 1]) : null;
  }

  public int devMajor(int i) {
    return devices == null ? 0 : devices[2 * i];
  }

  public int devMinor(int i) {
    return devices == null ? 0 : devices[2 * i + 1];
  }

  /** Extended attributes sorted by name (empty for most entries). */
  public Map<String, byte[]> xattrs(int i) {
    return Xattrs.decode(xattrs, xattrOff[i], xattrOff[i + 1] - xattrOff[i]);
  }

  /** Entry {@code i}'s encoded xattrs (see {@link Xattrs}), or null when it has none. */
  public byte[] xattrBytes(int i) {
    return xattrOff[i] == xattrOff[i + 1] ? null : Arrays.copyOfRange(xattrs, xattrOff[i], xattrOff[i + 1]);
  }

  /** For a FILE, the offset of its content in the uncompressed tar stream; -1 otherwise. */
  public long dataOffset(int i) {
    return dataOffsets[i];
  }

  /** Entry {@code i} as a record (allocates; for tests and tools, not hot paths). */
  public TarEntry entry(int i) {
    return new TarEntry(path(i), type(i), mode(i), uid(i), gid(i), size(i), mtimeSeconds(i), mtimeNanos(i),
        linkName(i), devMajor(i), devMinor(i), xattrs(i));
  }
}
