package dev.lazypull.format.toc;

import com.github.luben.zstd.Zstd;
import dev.lazypull.format.TarEntry;
import java.nio.charset.StandardCharsets;

/**
 * Builds a layer's TOC (docs/FORMAT.md) while the layer is encoded: frames and entries are added
 * in tar order, then {@link #toSkippableFrame} produces the bytes appended to the blob.
 */
public final class TocWriter {
  private final VarintWriter compressedLengths = new VarintWriter();
  private final VarintWriter uncompressedLengths = new VarintWriter();
  private final VarintWriter digests = new VarintWriter();
  private final VarintWriter entries = new VarintWriter();
  private int frameCount;
  private int entryCount;
  private long tarSize;
  private byte[] previousPath = new byte[0];
  private long previousMtime;
  private long previousFileEnd;

  public void addFrame(int compressedLength, int uncompressedLength, byte[] sha256) {
    if (sha256.length != TocLayout.DIGEST_BYTES || uncompressedLength <= 0 || compressedLength <= 0) {
      throw new IllegalArgumentException("bad frame: " + compressedLength + "/" + uncompressedLength);
    }
    compressedLengths.varint(compressedLength);
    uncompressedLengths.varint(uncompressedLength);
    digests.bytes(sha256);
    frameCount++;
    tarSize += uncompressedLength;
  }

  /** Adds a classified entry; {@code dataOffset} is where a FILE's content starts in the tar stream. */
  public void addEntry(TarEntry e, long dataOffset) {
    byte[] path = e.path().getBytes(StandardCharsets.UTF_8);
    int shared = sharedPrefix(previousPath, path);
    entries.u8(e.type().code());
    entries.varint(shared);
    entries.varint(path.length - shared);
    entries.bytes(path, shared, path.length - shared);
    entries.varint(e.mode());
    entries.varint(e.uid());
    entries.varint(e.gid());
    entries.signedVarint(e.mtimeSeconds() - previousMtime);
    entries.varint(e.mtimeNanos());
    switch (e.type()) {
      case FILE -> {
        if (dataOffset < previousFileEnd) {
          throw new IllegalArgumentException("file data of " + e.path() + " lies before the previous file's end");
        }
        entries.varint(e.size());
        entries.varint(dataOffset - previousFileEnd);
        previousFileEnd = dataOffset + e.size();
      }
      case SYMLINK, HARDLINK -> entries.lengthPrefixed(e.linkName());
      case CHAR_DEVICE, BLOCK_DEVICE -> {
        entries.varint(e.devMajor());
        entries.varint(e.devMinor());
      }
      default -> {}
    }
    Xattrs.write(entries, e.xattrs());
    previousPath = path;
    previousMtime = e.mtimeSeconds();
    entryCount++;
  }

  public int frameCount() {
    return frameCount;
  }

  public int entryCount() {
    return entryCount;
  }

  /** The uncompressed bytes the frames added so far cover. */
  public long tarSize() {
    return tarSize;
  }

  /** The whole skippable frame: header, TOC header and the zstd-compressed body. */
  public byte[] toSkippableFrame(int level) {
    VarintWriter body = new VarintWriter();
    body.varint(frameCount);
    body.append(compressedLengths);
    body.append(uncompressedLengths);
    body.append(digests);
    body.varint(entryCount);
    body.append(entries);
    if (body.length() > TocLayout.MAX_BODY_BYTES) {
      throw new IllegalStateException("TOC body of " + body.length() + " bytes exceeds the format's limit");
    }
    byte[] bound = new byte[(int) Zstd.compressBound(body.length())];
    long n = Zstd.compressByteArray(bound, 0, bound.length, body.array(), 0, body.length(), level);
    if (Zstd.isError(n)) {
      throw new IllegalStateException("zstd failed on the TOC: " + Zstd.getErrorName(n));
    }
    byte[] out = new byte[TocLayout.HEADER_BYTES + (int) n];
    TocLayout.putIntLE(out, 0, TocLayout.SKIPPABLE_MAGIC);
    TocLayout.putIntLE(out, 4, out.length - 8);
    TocLayout.putIntLE(out, 8, TocLayout.TOC_MAGIC);
    out[12] = TocLayout.VERSION;
    out[13] = 0;
    out[14] = 0;
    out[15] = 0;
    TocLayout.putIntLE(out, 16, body.length());
    System.arraycopy(bound, 0, out, TocLayout.HEADER_BYTES, (int) n);
    return out;
  }

  private static int sharedPrefix(byte[] a, byte[] b) {
    int n = Math.min(a.length, b.length);
    int mismatch = java.util.Arrays.mismatch(a, 0, n, b, 0, n);
    return mismatch < 0 ? n : mismatch;
  }
}
