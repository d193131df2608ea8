package dev.lazypull.format.toc;

import com.github.luben.zstd.Zstd;
import dev.lazypull.format.FormatException;
import dev.lazypull.format.IndexBudget;
import java.util.Arrays;

/**
 * The extension frames of a TOC frame (docs/FORMAT.md, 3.4): zstd skippable frames nested in the
 * TOC's payload after the compressed body. A decompressor skips them, so a reader that predates an
 * extension decodes the body as before and never sees it; that is how the TOC grows without a new
 * version. Known today: the prefetch list ("LPPF").
 */
public final class TocExtensions {
  /** "LPPF" as the first bytes of an extension's payload. */
  static final int PREFETCH_MAGIC = 0x4650504C;
  static final int PREFETCH_VERSION = 1;
  /** Skippable frame header (magic, length) plus extension header (magic, version, 3 reserved). */
  static final int HEADER_BYTES = 8 + 8;

  private TocExtensions() {}

  /** Where the compressed body of {@code tocFrame} ends, so where its extensions start. */
  static int bodyEnd(byte[] tocFrame, String what) throws FormatException {
    long n = Zstd.findFrameCompressedSize(tocFrame, TocLayout.HEADER_BYTES, tocFrame.length - TocLayout.HEADER_BYTES);
    if (Zstd.isError(n) || n <= 0 || n > tocFrame.length - TocLayout.HEADER_BYTES) {
      throw new FormatException(what + ": compressed body is corrupt or truncated ("
          + (Zstd.isError(n) ? Zstd.getErrorName(n) : n + " bytes") + ")");
    }
    return TocLayout.HEADER_BYTES + (int) n;
  }

  /**
   * The prefetch list among the extensions of {@code tocFrame} (whose header the caller checked;
   * its body ends at {@code bodyEnd}), charged to {@code budget},
   * {@link PrefetchList#EMPTY} when there is none. Extensions of another kind or a later version
   * are skipped; malformed framing, a second prefetch list or a corrupt one are refused.
   */
  static PrefetchList prefetch(byte[] tocFrame, int bodyEnd, String what, IndexBudget budget) throws FormatException {
    PrefetchList found = null;
    int pos = bodyEnd;
    while (pos < tocFrame.length) {
      if (tocFrame.length - pos < 8) {
        throw new FormatException(what + ": " + (tocFrame.length - pos) + " stray bytes after the body");
      }
      int magic = TocLayout.getIntLE(tocFrame, pos);
      if ((magic & 0xFFFFFFF0) != (TocLayout.SKIPPABLE_MAGIC & 0xFFFFFFF0)) {
        throw new FormatException(what + ": bytes after the body at " + pos + " are not an extension frame");
      }
      long length = Integer.toUnsignedLong(TocLayout.getIntLE(tocFrame, pos + 4));
      if (length > tocFrame.length - pos - 8L) {
        throw new FormatException(what + ": extension frame at " + pos + " claims " + length + " bytes, "
            + (tocFrame.length - pos - 8) + " remain");
      }
      int end = pos + 8 + (int) length;
      if (length >= 8 && TocLayout.getIntLE(tocFrame, pos + 8) == PREFETCH_MAGIC
          && (tocFrame[pos + 12] & 0xFF) == PREFETCH_VERSION) {
        if (found != null) {
          throw new FormatException(what + " has two prefetch lists");
        }
        found = PrefetchList.decodePayload(tocFrame, pos + HEADER_BYTES, end, what, budget);
      }
      pos = end;
    }
    return found == null ? PrefetchList.EMPTY : found;
  }

  /**
   * {@code tocFrame} with {@code list} as its prefetch list: any extensions it had are dropped, the
   * list appended as one extension frame and the outer frame's length updated. An empty list
   * gives the TOC without extensions. The caller re-pins the TOC digest (it changes).
   */
  public static byte[] withPrefetch(byte[] tocFrame, PrefetchList list) throws FormatException {
    String what = "TOC frame";
    if (tocFrame.length < TocLayout.HEADER_BYTES || TocLayout.getIntLE(tocFrame, 0) != TocLayout.SKIPPABLE_MAGIC
        || TocLayout.getIntLE(tocFrame, 8) != TocLayout.TOC_MAGIC) {
      throw new FormatException(what + " does not start with the lazypull TOC magic");
    }
    int bodyEnd = bodyEnd(tocFrame, what);
    if (list.isEmpty()) {
      byte[] out = Arrays.copyOf(tocFrame, bodyEnd);
      TocLayout.putIntLE(out, 4, out.length - 8);
      return out;
    }
    byte[] payload = list.encodePayload();
    byte[] out = Arrays.copyOf(tocFrame, bodyEnd + HEADER_BYTES + payload.length);
    TocLayout.putIntLE(out, bodyEnd, TocLayout.SKIPPABLE_MAGIC);
    TocLayout.putIntLE(out, bodyEnd + 4, 8 + payload.length);
    TocLayout.putIntLE(out, bodyEnd + 8, PREFETCH_MAGIC);
    out[bodyEnd + 12] = PREFETCH_VERSION;
    System.arraycopy(payload, 0, out, bodyEnd + HEADER_BYTES, payload.length);
    TocLayout.putIntLE(out, 4, out.length - 8);
    return out;
  }
}
