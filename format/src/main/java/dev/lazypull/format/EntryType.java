package dev.lazypull.format;

/**
 * The kind of a tar entry as the lazy format records it. Whiteouts are ordinary empty files in
 * the tar ({@code .wh.NAME}, {@code .wh..wh..opq}); the encoder classifies them by name so that a
 * reader never has to re-parse names to apply them. The byte codes are part of the TOC format
 * (docs/FORMAT.md) and must never change.
 */
public enum EntryType {
  FILE(0),
  DIR(1),
  SYMLINK(2),
  HARDLINK(3),
  CHAR_DEVICE(4),
  BLOCK_DEVICE(5),
  FIFO(6),
  /** {@code dir/.wh.NAME}: hides {@code dir/NAME} of the lower layers. */
  WHITEOUT(7),
  /** {@code dir/.wh..wh..opq}: hides every lower-layer child of {@code dir}. */
  OPAQUE(8);

  private static final EntryType[] BY_CODE = values();

  private final int code;

  EntryType(int code) {
    this.code = code;
  }

  public int code() {
    return code;
  }

  /** The type for a TOC code, or null when the code is unknown. */
  public static EntryType ofCode(int code) {
    return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
  }

  /** The {@code S_IFMT} bits of {@code st_mode} for this type (whiteouts have none). */
  public int fileTypeBits() {
    return switch (this) {
      case FILE, HARDLINK -> 0100000;
      case DIR -> 0040000;
      case SYMLINK -> 0120000;
      case CHAR_DEVICE -> 0020000;
      case BLOCK_DEVICE -> 0060000;
      case FIFO -> 0010000;
      case WHITEOUT, OPAQUE -> 0;
    };
  }
}
