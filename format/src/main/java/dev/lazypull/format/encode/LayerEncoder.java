package dev.lazypull.format.encode;

import dev.lazypull.format.EncodedLayer;
import dev.lazypull.format.TarEntry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Re-encodes one layer's tar stream as a lazy layer blob (docs/FORMAT.md): independent zstd frames
 * whose concatenation decompresses to exactly the source tar, then the TOC in a zstd skippable
 * frame. The caller (a tar reader) hands over every entry in order with its raw header blocks and
 * data; the blob streams to {@code out} with a bounded number of frames in memory.
 *
 * <p>Not thread-safe: one thread drives an encoder; compression runs on the encoder's own threads.
 */
public final class LayerEncoder implements AutoCloseable {

  public LayerEncoder(OutputStream out, EncoderOptions options) {
    throw new UnsupportedOperationException("landing soon");
  }

  /**
   * Adds one entry. {@code rawHeaderBlocks} are all 512-byte header blocks of the entry exactly as
   * in the source (PAX and GNU extension headers included); {@code data} yields exactly {@code
   * dataBytesInclPadding} bytes: the entry's content ({@code entry.size()} bytes for a file) and its
   * padding to the next 512-byte boundary, as in the source. {@code entry} is classified here
   * (whiteout files become WHITEOUT/OPAQUE entries).
   */
  public void addEntry(TarEntry entry, byte[] rawHeaderBlocks, InputStream data, long dataBytesInclPadding)
      throws IOException {
    throw new UnsupportedOperationException("landing soon");
  }

  /** Adds the bytes after the last entry: end-of-archive blocks and anything trailing them. */
  public void finishTar(byte[] trailerBytes) throws IOException {
    throw new UnsupportedOperationException("landing soon");
  }

  /** Writes the last frames and the TOC and returns the layer's digests; call once, after {@link #finishTar}. */
  public EncodedLayer finish() throws IOException {
    throw new UnsupportedOperationException("landing soon");
  }

  /** Stops the compression threads; the blob is incomplete unless {@link #finish} returned. */
  @Override
  public void close() {}
}
