package dev.lazypull.format.tar;

import dev.lazypull.format.TarEntry;
import java.io.InputStream;

/**
 * One entry as it lies in the layer's tar stream.
 *
 * @param entry the merged metadata, whiteouts not yet classified (they are plain files here)
 * @param rawHeader every header block that belongs to this entry, exactly as read: PAX global and
 *     extended headers, GNU long name and long link headers with their bodies, and the entry's own
 *     ustar block last
 * @param headerOffset offset of {@code rawHeader}'s first byte in the uncompressed tar stream
 * @param data the entry's data blocks including the zero padding to the next 512-byte boundary;
 *     valid until the next call of {@link TarReader#next()}
 * @param paddedDataLength bytes {@code data} yields: {@code entry.size()} rounded up to 512
 */
public record TarRecord(
    TarEntry entry, byte[] rawHeader, long headerOffset, InputStream data, long paddedDataLength) {

  /** Offset of the first data byte in the uncompressed tar stream. */
  public long dataOffset() {
    return headerOffset + rawHeader.length;
  }
}
