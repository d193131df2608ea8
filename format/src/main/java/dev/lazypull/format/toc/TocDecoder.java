package dev.lazypull.format.toc;

import com.github.luben.zstd.Zstd;
import dev.lazypull.format.EntryType;
import dev.lazypull.format.FormatException;
import dev.lazypull.format.IndexBudget;
import dev.lazypull.format.PathNames;
import dev.lazypull.oci.Digest;

/** Decodes and validates a TOC body into the flat arrays {@link LayerToc} keeps. Used once. */
final class TocDecoder {
  private static final int MIN_FRAME_BODY_BYTES = 2 + TocLayout.DIGEST_BYTES;
  private static final int MIN_ENTRY_BYTES = 9;
  /** The frame table's arrays per frame: two offsets and a digest. */
  private static final int BYTES_PER_FRAME = 8 + 8 + TocLayout.DIGEST_BYTES;
  /** The entry columns per entry (type, mode, uid, gid, size, mtime, nanos, data offset, 3 offsets, device pair). */
  private static final int BYTES_PER_ENTRY = 1 + 4 + 4 + 4 + 8 + 8 + 4 + 8 + 3 * 4 + 8;
  /** A path, link or xattr byte is held by a growing buffer (up to twice) and then copied once. */
  private static final int HELD_PER_NAME_BYTE = 3;

  private final VarintReader r;
  private final Digest layer;
  private final String what;
  private final long tocOffset;
  private final IndexBudget budget;
  /** Name bytes decoded but not yet charged: charged in batches to keep the budget off the hot path. */
  private long unchargedNameBytes;

  FrameTable frames;
  int count;
  byte[] types;
  int[] modes;
  int[] uids;
  int[] gids;
  long[] sizes;
  long[] mtimes;
  int[] nanos;
  long[] dataOffsets;
  final VarintWriter paths = new VarintWriter();
  int[] pathOff;
  final VarintWriter links = new VarintWriter();
  int[] linkOff;
  final VarintWriter xattrs = new VarintWriter();
  int[] xattrOff;
  int[] devices;
  boolean hasDevices;

  /** {@code tocOffset}: where the TOC starts in the blob, so where the frames must end; -1 when unknown. */
  TocDecoder(VarintReader r, Digest layer, String what, long tocOffset, IndexBudget budget) {
    this.r = r;
    this.layer = layer;
    this.what = what;
    this.tocOffset = tocOffset;
    this.budget = budget;
  }

  TocDecoder decode() throws FormatException {
    decodeFrames();
    decodeEntries();
    chargeNames();
    if (r.remaining() != 0) {
      throw new FormatException(what + ": " + r.remaining() + " unexpected bytes after the last entry");
    }
    return this;
  }

  private void decodeFrames() throws FormatException {
    // Each frame takes at least MIN_ZSTD_FRAME_BYTES of the blob before the TOC.
    int maxFrames = r.remaining() / MIN_FRAME_BODY_BYTES;
    if (tocOffset >= 0) {
      maxFrames = (int) Math.min(maxFrames, tocOffset / TocLayout.MIN_ZSTD_FRAME_BYTES);
    }
    int n = r.intVarint(maxFrames, "frame count");
    budget.charge((long) (n + 1) * BYTES_PER_FRAME, what + ": its frame table of " + n + " frames");
    long[] compressed = new long[n + 1];
    long[] uncompressed = new long[n + 1];
    for (int i = 0; i < n; i++) {
      long length = r.varint(Integer.MAX_VALUE, "compressed length of frame " + i);
      if (length < TocLayout.MIN_ZSTD_FRAME_BYTES) {
        throw new FormatException(what + ": frame " + i + " has compressed length " + length
            + ", less than the smallest zstd frame (" + TocLayout.MIN_ZSTD_FRAME_BYTES + " bytes)");
      }
      compressed[i + 1] = compressed[i] + length;
      if (tocOffset >= 0 && compressed[i + 1] > tocOffset) {
        throw new FormatException(what + ": frame " + i + " (bytes " + compressed[i] + "+" + length
            + ") runs past the frames' end at byte " + tocOffset + ", where the TOC starts");
      }
    }
    if (tocOffset >= 0 && compressed[n] != tocOffset) {
      throw new FormatException(what + ": the frames end at byte " + compressed[n] + ", but the TOC starts at byte "
          + tocOffset + " (the frames must fill the blob up to the TOC)");
    }
    for (int i = 0; i < n; i++) {
      long length = r.varint(FrameTable.MAX_FRAME_BYTES, "uncompressed length of frame " + i);
      long packed = compressed[i + 1] - compressed[i];
      if (length == 0) {
        throw new FormatException(what + ": frame " + i + " has uncompressed length 0");
      }
      if (length > TocLayout.ZSTD_MAX_RATIO * packed) {
        throw new FormatException(what + ": frame " + i + " claims " + length + " uncompressed bytes, which " + packed
            + " compressed bytes cannot hold (zstd inflates at most " + TocLayout.ZSTD_MAX_RATIO + " times)");
      }
      if (packed > Zstd.compressBound(length)) {
        throw new FormatException(what + ": frame " + i + " takes " + packed + " compressed bytes for " + length
            + " uncompressed ones, more than zstd ever needs (" + Zstd.compressBound(length) + ")");
      }
      uncompressed[i + 1] = uncompressed[i] + length;
    }
    int start = r.skip(n * TocLayout.DIGEST_BYTES);
    byte[] digests = new byte[n * TocLayout.DIGEST_BYTES];
    System.arraycopy(r.buffer(), start, digests, 0, digests.length);
    frames = new FrameTable(layer, compressed, uncompressed, digests);
  }

  private void decodeEntries() throws FormatException {
    long tarSize = frames.uncompressedSize();
    count = r.intVarint((int) Math.min(r.remaining() / MIN_ENTRY_BYTES, tarSize / TocLayout.TAR_BLOCK_BYTES),
        "entry count (each entry is at least one tar block of the layer's " + tarSize + " bytes)");
    budget.charge((long) count * BYTES_PER_ENTRY, what + ": its " + count + " entries");
    types = new byte[count];
    modes = new int[count];
    uids = new int[count];
    gids = new int[count];
    sizes = new long[count];
    mtimes = new long[count];
    nanos = new int[count];
    dataOffsets = new long[count];
    pathOff = new int[count + 1];
    linkOff = new int[count + 1];
    xattrOff = new int[count + 1];
    devices = new int[2 * count];
    long mtime = 0;
    long fileEnd = 0;
    for (int i = 0; i < count; i++) {
      int code = r.u8();
      EntryType type = EntryType.ofCode(code);
      if (type == null) {
        throw new FormatException(what + ": entry " + i + " has unknown type code " + code);
      }
      types[i] = (byte) code;
      String path = decodePath(i);
      modes[i] = r.intVarint(07777, "mode of " + path);
      uids[i] = (int) r.varint(0xFFFF_FFFFL, "uid of " + path);
      gids[i] = (int) r.varint(0xFFFF_FFFFL, "gid of " + path);
      mtime += r.signedVarint();
      mtimes[i] = mtime;
      nanos[i] = r.intVarint(999_999_999, "mtime nanoseconds of " + path);
      dataOffsets[i] = -1;
      switch (type) {
        case FILE -> {
          long size = r.varint(tarSize, "size of " + path);
          long offset = fileEnd + r.varint(tarSize, "data offset of " + path);
          if (offset + size > tarSize) {
            throw new FormatException(what + ": data of " + path + " (" + size + " bytes at " + offset
                + ") lies beyond the layer's " + tarSize + " tar bytes");
          }
          sizes[i] = size;
          dataOffsets[i] = offset;
          fileEnd = offset + size;
        }
        case SYMLINK, HARDLINK -> decodeLink(i, type, path);
        case CHAR_DEVICE, BLOCK_DEVICE -> {
          devices[2 * i] = r.intVarint(Integer.MAX_VALUE, "device major of " + path);
          devices[2 * i + 1] = r.intVarint(Integer.MAX_VALUE, "device minor of " + path);
          hasDevices = true;
        }
        case WHITEOUT -> requireWhiteoutName(path, false);
        case OPAQUE -> requireWhiteoutName(path, true);
        default -> {}
      }
      linkOff[i + 1] = links.length();
      int xattrStart = r.position();
      if (!Xattrs.read(r).isEmpty()) {
        xattrs.bytes(r.buffer(), xattrStart, r.position() - xattrStart);
      }
      xattrOff[i + 1] = xattrs.length();
      unchargedNameBytes += (pathOff[i + 1] - pathOff[i]) + (linkOff[i + 1] - linkOff[i]) + (xattrOff[i + 1] - xattrOff[i]);
      if (unchargedNameBytes >= 1 << 20) {
        chargeNames();
      }
    }
  }

  private void chargeNames() throws FormatException {
    budget.charge(HELD_PER_NAME_BYTE * unchargedNameBytes, what + ": the names of its entries");
    unchargedNameBytes = 0;
  }

  private String decodePath(int i) throws FormatException {
    int previousStart = i == 0 ? 0 : pathOff[i - 1];
    int previousLength = pathOff[i] - previousStart;
    int shared = r.intVarint(previousLength, "shared path prefix of entry " + i);
    int suffix = r.intVarint(Math.min(r.remaining(), PathNames.MAX_PATH_BYTES - shared), "path length of entry " + i
        + " (a path is at most " + PathNames.MAX_PATH_BYTES + " bytes)");
    int suffixStart = r.skip(suffix);
    paths.bytes(paths.array(), previousStart, shared);
    paths.bytes(r.buffer(), suffixStart, suffix);
    pathOff[i + 1] = paths.length();
    String path = Utf8.decode(paths.array(), pathOff[i], pathOff[i + 1] - pathOff[i], what, "path of entry " + i);
    try {
      return PathNames.requireNormal(path);
    } catch (IllegalArgumentException e) {
      throw new FormatException(what + ": entry " + i + ": " + e.getMessage(), e);
    }
  }

  private void decodeLink(int i, EntryType type, String path) throws FormatException {
    int length = r.intVarint(Math.min(r.remaining(), PathNames.MAX_LINK_BYTES), "link length of " + path
        + " (a link target is at most " + PathNames.MAX_LINK_BYTES + " bytes)");
    int start = r.skip(length);
    String target = Utf8.decode(r.buffer(), start, length, what, "link target of " + path);
    if (target.isEmpty() || target.indexOf('\0') >= 0) {
      throw new FormatException(what + ": " + type + " " + path + " has an empty link target or one with a NUL byte");
    }
    if (type == EntryType.HARDLINK) {
      try {
        PathNames.requireNormal(target);
      } catch (IllegalArgumentException e) {
        throw new FormatException(what + ": hardlink " + path + ": " + e.getMessage(), e);
      }
    }
    links.bytes(r.buffer(), start, length);
  }

  private void requireWhiteoutName(String path, boolean opaque) throws FormatException {
    String base = PathNames.baseName(path);
    boolean ok = opaque
        ? base.equals(PathNames.OPAQUE_NAME)
        : base.startsWith(PathNames.WHITEOUT_PREFIX) && !base.equals(PathNames.OPAQUE_NAME)
            && PathNames.isValidName(base.substring(PathNames.WHITEOUT_PREFIX.length()));
    if (!ok) {
      throw new FormatException(what + ": " + path + " is recorded as " + (opaque ? "an opaque marker" : "a whiteout")
          + " but is not named like one");
    }
  }
}
