package dev.lazypull.format.toc;

import dev.lazypull.format.EntryType;
import dev.lazypull.format.FormatException;
import dev.lazypull.format.LazyAnnotations.TocPointer;
import dev.lazypull.format.TarEntry;
import dev.lazypull.oci.Digest;
import java.util.Map;

/**
 * One layer's table of contents, decoded into flat primitive arrays (no object per entry): the
 * frame table and every tar entry in tar order. Entry {@code i}'s attributes are read by index.
 * Immutable; safe to share between threads.
 */
public final class LayerToc {

  LayerToc() {}

  /**
   * Verifies that {@code skippableFrame} (the TOC's whole zstd skippable frame, header included) has
   * digest {@code expected}, then decodes it. Throws {@link FormatException} naming the problem for a
   * digest mismatch, truncation, an unknown version or an unsafe name.
   */
  public static LayerToc read(byte[] skippableFrame, Digest expected, Digest layer) throws FormatException {
    throw new UnsupportedOperationException("landing soon");
  }

  /** {@link #read(byte[], Digest, Digest)} with the digest and length from the layer's annotations. */
  public static LayerToc read(byte[] skippableFrame, TocPointer pointer, Digest layer) throws FormatException {
    if (skippableFrame.length != pointer.length()) {
      throw new FormatException("TOC of layer " + layer + " is " + skippableFrame.length + " bytes, the annotation says "
          + pointer.length());
    }
    return read(skippableFrame, pointer.digest(), layer);
  }

  public FrameTable frames() {
    throw new UnsupportedOperationException("landing soon");
  }

  public int entryCount() {
    throw new UnsupportedOperationException("landing soon");
  }

  public String path(int i) {
    throw new UnsupportedOperationException("landing soon");
  }

  public EntryType type(int i) {
    throw new UnsupportedOperationException("landing soon");
  }

  /** Permission bits including setuid/setgid/sticky (07777). */
  public int mode(int i) {
    throw new UnsupportedOperationException("landing soon");
  }

  public long uid(int i) {
    throw new UnsupportedOperationException("landing soon");
  }

  public long gid(int i) {
    throw new UnsupportedOperationException("landing soon");
  }

  public long size(int i) {
    throw new UnsupportedOperationException("landing soon");
  }

  public long mtimeSeconds(int i) {
    throw new UnsupportedOperationException("landing soon");
  }

  public int mtimeNanos(int i) {
    throw new UnsupportedOperationException("landing soon");
  }

  /** Symlink target or hardlink target path; null for other types. */
  public String linkName(int i) {
    throw new UnsupportedOperationException("landing soon");
  }

  public int devMajor(int i) {
    throw new UnsupportedOperationException("landing soon");
  }

  public int devMinor(int i) {
    throw new UnsupportedOperationException("landing soon");
  }

  /** Extended attributes sorted by name (empty for most entries). */
  public Map<String, byte[]> xattrs(int i) {
    throw new UnsupportedOperationException("landing soon");
  }

  /** For a FILE, the offset of its content in the uncompressed tar stream; -1 otherwise. */
  public long dataOffset(int i) {
    throw new UnsupportedOperationException("landing soon");
  }

  /** Entry {@code i} as a record (allocates; for tests and tools, not hot paths). */
  public TarEntry entry(int i) {
    return new TarEntry(path(i), type(i), mode(i), uid(i), gid(i), size(i), mtimeSeconds(i), mtimeNanos(i),
        linkName(i), devMajor(i), devMinor(i), xattrs(i));
  }
}
