package dev.lazypull.format.toc;

/** Constants of the TOC's byte layout (docs/FORMAT.md, "Table of contents"). */
final class TocLayout {
  /** zstd skippable frame magic 0x184D2A5A (one of the sixteen 0x184D2A5?), little-endian. */
  static final int SKIPPABLE_MAGIC = 0x184D2A5A;
  /** "LPTC" as the first bytes of the skippable frame's payload. */
  static final int TOC_MAGIC = 0x4354504C;
  static final int VERSION = 1;
  /** Skippable frame header (magic, length) plus TOC header (magic, version, flags, reserved, body length). */
  static final int HEADER_BYTES = 8 + 12;
  /**
   * Refuse to inflate a TOC body beyond this: a real layer needs 20-60 bytes per entry (so this
   * allows millions of entries), a hostile one must not make a node allocate gigabytes.
   */
  static final int MAX_BODY_BYTES = 256 << 20;
  static final int DIGEST_BYTES = 32;
  /**
   * The most one zstd frame can decompress to per byte of frame: a block regenerates at most
   * 128 KiB and takes at least 4 bytes (an RLE block: 3 header bytes, 1 byte), RFC 8878 3.1.1.2.
   * A frame table claiming more (or a TOC header claiming a larger body) is lying.
   */
  static final int ZSTD_MAX_RATIO = 32768;
  /** The smallest zstd frame with content: magic 4, frame header 2, block header 3, 1 byte. */
  static final int MIN_ZSTD_FRAME_BYTES = 10;
  /** Every TOC entry stands for at least one 512-byte tar header block of the layer's tar. */
  static final int TAR_BLOCK_BYTES = 512;

  static void putIntLE(byte[] b, int off, int v) {
    b[off] = (byte) v;
    b[off + 1] = (byte) (v >>> 8);
    b[off + 2] = (byte) (v >>> 16);
    b[off + 3] = (byte) (v >>> 24);
  }

  static int getIntLE(byte[] b, int off) {
    return (b[off] & 0xFF) | (b[off + 1] & 0xFF) << 8 | (b[off + 2] & 0xFF) << 16 | (b[off + 3] & 0xFF) << 24;
  }

  private TocLayout() {}
}
