package dev.lazypull.format.encode;

import dev.lazypull.format.EncodedLayer;
import dev.lazypull.format.EntryType;
import dev.lazypull.format.LazyAnnotations.TocPointer;
import dev.lazypull.format.TarEntry;
import dev.lazypull.format.chunking.FastCdc;
import dev.lazypull.format.toc.FrameTable;
import dev.lazypull.format.toc.TocWriter;
import dev.lazypull.oci.Digest;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * Re-encodes one layer's tar stream as a lazy layer blob (docs/FORMAT.md): independent zstd frames
 * whose concatenation decompresses to exactly the source tar, then the TOC in a zstd skippable
 * frame. The caller (a tar reader) hands over every entry in order with its raw header blocks and
 * data; the blob streams to {@code out} with a bounded number of frames in memory.
 *
 * <p>Framing: headers, small files and padding are grouped into frames of about {@code
 * groupTarget} bytes, cut only between entries; a file of at least {@code largeFileThreshold}
 * bytes closes the current frame after its header, and its content is cut by FastCDC into frames
 * holding only file bytes, so equal files give equal chunks in every layer.
 *
 * <p>Not thread-safe: one thread drives an encoder; compression runs on the encoder's own threads.
 */
public final class LayerEncoder implements AutoCloseable {
  private final EncoderOptions options;
  private final FastCdc cdc;
  private final FrameCompressor compressor;
  private final TocWriter toc = new TocWriter();
  private final MessageDigest diffId = Digest.newSha256();
  private byte[] group;
  private int groupLength;
  private byte[] chunkBuffer;
  private long tarOffset;
  private boolean tarFinished;
  private boolean finished;

  public LayerEncoder(OutputStream out, EncoderOptions options) {
    this.options = options;
    this.cdc = new FastCdc(options.minChunk(), options.avgChunk(), options.maxChunk());
    this.group = new byte[Math.max(options.groupTarget(), 4096)];
    this.compressor = new FrameCompressor(out, options.level(), options.threads(),
        frame -> toc.addFrame(frame.compressedLength(), frame.uncompressedLength(), frame.sha256()));
  }

  /** An encoder writing the blob to a channel (a file, a pipe to an upload). */
  public LayerEncoder(WritableByteChannel out, EncoderOptions options) {
    this(Channels.newOutputStream(out), options);
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
    requireTarOpen();
    TarEntry e = entry.classified();
    if (rawHeaderBlocks.length == 0 || rawHeaderBlocks.length % 512 != 0) {
      throw new IllegalArgumentException("entry " + e.path() + ": header is " + rawHeaderBlocks.length
          + " bytes, not a positive multiple of 512");
    }
    if (dataBytesInclPadding < e.size()) {
      throw new IllegalArgumentException("entry " + e.path() + ": " + dataBytesInclPadding
          + " data bytes cannot hold its size " + e.size());
    }
    long dataOffset;
    if (e.type() == EntryType.FILE && e.size() >= options.largeFileThreshold()) {
      appendToGroup(rawHeaderBlocks, 0, rawHeaderBlocks.length);
      flushGroup();
      dataOffset = tarOffset;
      chunkContent(e, data);
      appendFromStream(e, data, dataBytesInclPadding - e.size());
    } else {
      if (groupLength > 0 && groupLength + rawHeaderBlocks.length + dataBytesInclPadding > options.groupTarget()) {
        flushGroup();
      }
      appendToGroup(rawHeaderBlocks, 0, rawHeaderBlocks.length);
      dataOffset = tarOffset;
      appendFromStream(e, data, dataBytesInclPadding);
    }
    toc.addEntry(e, e.type() == EntryType.FILE ? dataOffset : -1);
  }

  /** Adds the bytes after the last entry: end-of-archive blocks and anything trailing them. */
  public void finishTar(byte[] trailerBytes) throws IOException {
    requireTarOpen();
    appendToGroup(trailerBytes, 0, trailerBytes.length);
    flushGroup();
    tarFinished = true;
  }

  /** Writes the last frames and the TOC and returns the layer's digests; call once, after {@link #finishTar}. */
  public EncodedLayer finish() throws IOException {
    requireOpen();
    if (!tarFinished) {
      throw new IllegalStateException("finishTar must be called before finish");
    }
    finished = true;
    compressor.drain();
    long tocOffset = compressor.written();
    byte[] tocFrame = toc.toSkippableFrame(options.level());
    compressor.writeRaw(tocFrame);
    TocPointer pointer = new TocPointer(tocOffset, tocFrame.length, Digest.sha256(tocFrame));
    compressor.close(); // the blob is complete: release threads and native contexts now
    return new EncodedLayer(compressor.blobDigest(), compressor.written(), Digest.of(diffId.digest()), tarOffset,
        pointer, toc.frameCount(), toc.entryCount());
  }

  /** Stops the compression threads (if {@link #finish} did not); the blob is incomplete unless it returned. */
  @Override
  public void close() {
    compressor.close();
  }

  private void chunkContent(TarEntry e, InputStream data) throws IOException {
    if (chunkBuffer == null) {
      chunkBuffer = new byte[cdc.maxSize()];
    }
    long remaining = e.size();
    int buffered = 0;
    while (remaining > 0 || buffered > 0) {
      int want = (int) Math.min(chunkBuffer.length - buffered, remaining);
      readFully(e, data, chunkBuffer, buffered, want);
      buffered += want;
      remaining -= want;
      int cut = cdc.cut(chunkBuffer, 0, buffered);
      byte[] frame = Arrays.copyOf(chunkBuffer, cut);
      diffId.update(frame);
      tarOffset += cut;
      compressor.submit(frame, cut);
      System.arraycopy(chunkBuffer, cut, chunkBuffer, 0, buffered - cut);
      buffered -= cut;
    }
  }

  private void appendFromStream(TarEntry e, InputStream data, long n) throws IOException {
    while (n > 0) {
      int want = (int) Math.min(roomInGroup(n), n);
      readFully(e, data, group, groupLength, want);
      diffId.update(group, groupLength, want);
      groupLength += want;
      tarOffset += want;
      n -= want;
    }
  }

  private void appendToGroup(byte[] b, int off, int len) throws IOException {
    while (len > 0) {
      int want = Math.min(roomInGroup(len), len);
      System.arraycopy(b, off, group, groupLength, want);
      diffId.update(b, off, want);
      groupLength += want;
      tarOffset += want;
      off += want;
      len -= want;
    }
  }

  /**
   * Room for up to {@code wanted} more bytes in the group, growing it; a group that has reached
   * the format's frame limit (huge extension headers, a long trailer) is closed first, so no frame
   * exceeds {@link FrameTable#MAX_FRAME_BYTES}.
   */
  private int roomInGroup(long wanted) throws IOException {
    if (groupLength == FrameTable.MAX_FRAME_BYTES) {
      flushGroup();
    }
    if (groupLength == group.length) {
      long n = Math.min(FrameTable.MAX_FRAME_BYTES, Math.max(group.length * 2L, groupLength + wanted));
      group = Arrays.copyOf(group, (int) n);
    }
    return group.length - groupLength;
  }

  private void flushGroup() throws IOException {
    if (groupLength == 0) {
      return;
    }
    compressor.submit(group, groupLength);
    group = new byte[Math.max(options.groupTarget(), 4096)];
    groupLength = 0;
  }

  private static void readFully(TarEntry e, InputStream in, byte[] b, int off, int len) throws IOException {
    int n = in.readNBytes(b, off, len);
    if (n < len) {
      throw new EOFException("data of entry " + e.path() + " ended early (" + (len - n) + " bytes missing)");
    }
  }

  private void requireTarOpen() {
    requireOpen();
    if (tarFinished) {
      throw new IllegalStateException("the tar is already finished");
    }
  }

  private void requireOpen() {
    if (finished) {
      throw new IllegalStateException("the layer is already finished");
    }
  }
}
