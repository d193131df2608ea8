package dev.lazypull.format.toc;

import dev.lazypull.format.EntryType;
import dev.lazypull.format.FormatException;
import dev.lazypull.format.PathNames;
import dev.lazypull.oci.Digest;

/** Decodes and validates a TOC body into the flat arrays {@link LayerToc} keeps. Used once. */
final class TocDecoder {
  private static final int MIN_FRAME_BYTES = 2 + TocLayout.DIGEST_BYTES;
  private static final int MIN_ENTRY_BYTES = 9;

  private final VarintReader r;
  private final Digest layer;
  private final String what;

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

  TocDecoder(VarintReader r, Digest layer, String what) {
    this.r = r;
    this.layer = layer;
    this.what = what;
  }

  TocDecoder decode() throws FormatException {
    decodeFrames();
    decodeEntries();
    if (r.remaining() != 0) {
      throw new FormatException(what + ": " + r.remaining() + " unexpected bytes after the last entry");
    }
    return this;
  }

  private void decodeFrames() throws FormatException {
    int n = r.intVarint(r.remaining() / MIN_FRAME_BYTES, "frame count");
    long[] compressed = new long[n + 1];
    long[] uncompressed = new long[n + 1];
    for (int i = 0; i < n; i++) {
      compressed[i + 1] = compressed[i] + r.varint(Integer.MAX_VALUE, "compressed length of frame " + i);
      if (compressed[i + 1] == compressed[i]) {
        throw new FormatException(what + ": frame " + i + " has compressed length 0");
      }
    }
    for (int i = 0; i < n; i++) {
      uncompressed[i + 1] = uncompressed[i] + r.varint(Integer.MAX_VALUE, "uncompressed length of frame " + i);
      if (uncompressed[i + 1] == uncompressed[i]) {
        throw new FormatException(what + ": frame " + i + " has uncompressed length 0");
      }
    }
    int start = r.skip(n * TocLayout.DIGEST_BYTES);
    byte[] digests = new byte[n * TocLayout.DIGEST_BYTES];
    System.arraycopy(r.buffer(), start, digests, 0, digests.length);
    frames = new FrameTable(layer, compressed, uncompressed, digests);
  }

  private void decodeEntries() throws FormatException {
    count = r.intVarint(r.remaining() / MIN_ENTRY_BYTES, "entry count");
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
    long tarSize = frames.uncompressedSize();
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
      if (Xattrs.read(r).isEmpty()) {
        xattrOff[i + 1] = xattrs.length();
      } else {
        xattrs.bytes(r.buffer(), xattrStart, r.position() - xattrStart);
        xattrOff[i + 1] = xattrs.length();
      }
    }
  }

  private String decodePath(int i) throws FormatException {
    int previousStart = i == 0 ? 0 : pathOff[i - 1];
    int previousLength = pathOff[i] - previousStart;
    int shared = r.intVarint(previousLength, "shared path prefix of entry " + i);
    int suffix = r.intVarint(r.remaining(), "path length of entry " + i);
    int suffixStart = r.skip(suffix);
    paths.bytes(paths.array(), previousStart, shared);
    paths.bytes(r.buffer(), suffixStart, suffix);
    pathOff[i + 1] = paths.length();
    String path = Utf8.decode(paths.array(), pathOff[i], pathOff[i + 1] - pathOff[i], "path of entry " + i);
    try {
      return PathNames.requireNormal(path);
    } catch (IllegalArgumentException e) {
      throw new FormatException(what + ": entry " + i + ": " + e.getMessage(), e);
    }
  }

  private void decodeLink(int i, EntryType type, String path) throws FormatException {
    int length = r.intVarint(r.remaining(), "link length of " + path);
    int start = r.skip(length);
    String target = Utf8.decode(r.buffer(), start, length, "link target of " + path);
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
