package dev.lazypull.format.merge;

import dev.lazypull.format.ChunkLocation;
import dev.lazypull.format.EntryType;
import dev.lazypull.format.FormatException;
import dev.lazypull.format.toc.LayerToc;
import java.util.List;
import java.util.Map;

/**
 * The merged file tree of an image, built from its layers' TOCs in order (whiteouts and opaque
 * directories applied, hardlinks resolved, implicit parent directories created), held in flat
 * inode-numbered tables. Inode {@link #ROOT} is the root directory; inode numbers are dense
 * (1..{@link #maxInode()}) and the same for the same image. Directory children are sorted by name
 * (unsigned bytes) and addressed by index, which is a stable readdir offset. Immutable; safe to
 * share between threads.
 */
public final class MergedIndex {
  public static final long ROOT = 1;

  MergedIndex() {}

  /** Merges {@code layers}, lowest first. Throws naming the layer and entry for an inconsistent TOC. */
  public static MergedIndex of(List<LayerToc> layers) throws FormatException {
    throw new UnsupportedOperationException("landing soon");
  }

  public long maxInode() {
    throw new UnsupportedOperationException("landing soon");
  }

  /** The inode of {@code name} in directory {@code parent}, or -1 when absent (or parent is no directory). */
  public long lookup(long parent, byte[] name) {
    throw new UnsupportedOperationException("landing soon");
  }

  public long lookup(long parent, String name) {
    throw new UnsupportedOperationException("landing soon");
  }

  /** The inode of a normal path ("" is the root), or -1. */
  public long lookupPath(String path) {
    throw new UnsupportedOperationException("landing soon");
  }

  /** FILE, DIR, SYMLINK, CHAR_DEVICE, BLOCK_DEVICE or FIFO (hardlinks are files sharing an inode). */
  public EntryType type(long ino) {
    throw new UnsupportedOperationException("landing soon");
  }

  /** {@code st_mode}: file type bits and permission bits. */
  public int stMode(long ino) {
    throw new UnsupportedOperationException("landing soon");
  }

  public long uid(long ino) {
    throw new UnsupportedOperationException("landing soon");
  }

  public long gid(long ino) {
    throw new UnsupportedOperationException("landing soon");
  }

  /** Content size of a file, target length of a symlink, 0 otherwise. */
  public long size(long ino) {
    throw new UnsupportedOperationException("landing soon");
  }

  public long mtimeSeconds(long ino) {
    throw new UnsupportedOperationException("landing soon");
  }

  public int mtimeNanos(long ino) {
    throw new UnsupportedOperationException("landing soon");
  }

  /** Link count: directory entries naming this inode; for a directory 2 + its subdirectories. */
  public int nlink(long ino) {
    throw new UnsupportedOperationException("landing soon");
  }

  public int devMajor(long ino) {
    throw new UnsupportedOperationException("landing soon");
  }

  public int devMinor(long ino) {
    throw new UnsupportedOperationException("landing soon");
  }

  /** The parent directory of a directory ({@link #ROOT} for the root); -1 for other types. */
  public long parent(long ino) {
    throw new UnsupportedOperationException("landing soon");
  }

  /** The symlink target bytes; null for other types. */
  public byte[] readlink(long ino) {
    throw new UnsupportedOperationException("landing soon");
  }

  public Map<String, byte[]> xattrs(long ino) {
    throw new UnsupportedOperationException("landing soon");
  }

  /** Number of children of a directory (without "." and ".."); 0 for non-directories. */
  public int childCount(long dir) {
    throw new UnsupportedOperationException("landing soon");
  }

  /** The inode of child {@code index} (0-based, sorted by name) of {@code dir}. */
  public long childInode(long dir, int index) {
    throw new UnsupportedOperationException("landing soon");
  }

  /** The name bytes of child {@code index} of {@code dir} (a fresh copy). */
  public byte[] childName(long dir, int index) {
    throw new UnsupportedOperationException("landing soon");
  }

  /** For a file: which layer (index into the list given to {@link #of}) holds its content. */
  public int layerOf(long ino) {
    throw new UnsupportedOperationException("landing soon");
  }

  /** For a file: offset of its content in its layer's uncompressed tar stream. */
  public long dataOffset(long ino) {
    throw new UnsupportedOperationException("landing soon");
  }

  /**
   * The chunks a read of file bytes [{@code offset}, +{@code length}) needs, in order; empty past
   * the end of the file. Each chunk's uncompressed range is in tar-stream coordinates: file byte
   * {@code offset} is tar byte {@code dataOffset(ino) + offset}.
   */
  public List<ChunkLocation> chunks(long ino, long offset, int length) {
    throw new UnsupportedOperationException("landing soon");
  }
}
