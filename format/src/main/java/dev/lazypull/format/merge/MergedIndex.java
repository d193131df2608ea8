package dev.lazypull.format.merge;

import dev.lazypull.format.ChunkLocation;
import dev.lazypull.format.EntryType;
import dev.lazypull.format.FormatException;
import dev.lazypull.format.IndexBudget;
import dev.lazypull.format.IndexTooLargeException;
import dev.lazypull.format.toc.FrameTable;
import dev.lazypull.format.toc.LayerToc;
import dev.lazypull.format.toc.PrefetchList;
import dev.lazypull.format.toc.Xattrs;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The merged file tree of an image, built from its layers' TOCs in order (whiteouts and opaque
 * directories applied, hardlinks resolved, implicit parent directories created), held in flat
 * inode-numbered tables. Inode {@link #ROOT} is the root directory; inode numbers are dense
 * (1..{@link #maxInode()}) and the same for the same image. Directory children are sorted by name
 * (unsigned bytes) and addressed by index, which is a stable readdir offset. Hardlinked paths share
 * one inode. Immutable; safe to share between threads.
 */
public final class MergedIndex {
  public static final long ROOT = 1;

  private final FrameTable[] frames;
  private final int maxIno;
  private final byte[] types;
  private final int[] modes;
  private final int[] uids;
  private final int[] gids;
  private final long[] sizes;
  private final long[] mtimes;
  private final int[] nanos;
  private final int[] nlinks;
  private final int[] parents;
  private final int[] devices;
  private final int[] layers;
  private final long[] dataOffsets;
  private final int[] childStart;
  private final int[] childCount;
  /** Directory entries, grouped per directory and sorted by name: entry e names inode entryIno[e]. */
  private final int[] entryIno;
  private final int[] entryNameOff;
  private final byte[] names;
  private final int[] linkOff;
  private final byte[] links;
  private final int[] xattrOff;
  private final byte[] xattrs;
  private final PrefetchList prefetch;

  private MergedIndex(FrameTable[] frames, IndexFlattener f, PrefetchList prefetch) {
    this.frames = frames;
    this.prefetch = prefetch;
    this.maxIno = f.maxIno;
    this.types = f.types;
    this.modes = f.modes;
    this.uids = f.uids;
    this.gids = f.gids;
    this.sizes = f.sizes;
    this.mtimes = f.mtimes;
    this.nanos = f.nanos;
    this.nlinks = f.nlinks;
    this.parents = f.parents;
    this.devices = f.devices;
    this.layers = f.layers;
    this.dataOffsets = f.dataOffsets;
    this.childStart = f.childStart;
    this.childCount = f.childCount;
    this.entryIno = f.entryIno;
    this.entryNameOff = f.entryNameOff;
    this.names = f.names;
    this.linkOff = f.linkOff;
    this.links = f.links;
    this.xattrOff = f.xattrOff;
    this.xattrs = f.xattrs;
  }

  /**
   * Merges {@code layers}, lowest first, charging what it allocates to {@code budget} before it
   * does. Throws naming the layer and entry for an inconsistent TOC, and {@link
   * dev.lazypull.format.IndexTooLargeException} when the index would pass the budget.
   */
  public static MergedIndex of(List<LayerToc> layers, IndexBudget budget) throws FormatException {
    FrameTable[] frames = new FrameTable[layers.size()];
    for (int i = 0; i < frames.length; i++) {
      frames[i] = layers.get(i).frames();
    }
    PrefetchList prefetch = layers.isEmpty() ? PrefetchList.EMPTY : layers.getLast().prefetch();
    checkPrefetch(prefetch, frames);
    try {
      return new MergedIndex(frames, new IndexFlattener(budget).flatten(new LayerApplier(budget).apply(layers), layers),
          prefetch);
    } catch (IndexTooLargeException e) {
      String top = frames.length == 0 ? "" : " (top layer " + frames[frames.length - 1].layer() + ")";
      throw new IndexTooLargeException("merging " + frames.length + " layers" + top + ": " + e.getMessage(), e.limitBytes());
    }
  }

  /** {@link #of(List, IndexBudget)} without a memory bound: for tools and tests that made the TOCs. */
  public static MergedIndex of(List<LayerToc> layers) throws FormatException {
    return of(layers, IndexBudget.unlimited());
  }

  /** Only the top layer's list counts (a lower layer's came from the image it was recorded in). */
  private static void checkPrefetch(PrefetchList list, FrameTable[] frames) throws FormatException {
    for (int i = 0; i < list.size(); i++) {
      int layer = list.layer(i);
      if (layer >= frames.length) {
        throw new FormatException("prefetch list of layer " + frames[frames.length - 1].layer() + ": entry " + i
            + " names layer " + layer + " of an image with " + frames.length + " layers");
      }
      if (list.frame(i) >= frames[layer].size()) {
        throw new FormatException("prefetch list of layer " + frames[frames.length - 1].layer() + ": entry " + i
            + " names frame " + list.frame(i) + " of layer " + layer + ", which has " + frames[layer].size() + " frames");
      }
    }
  }

  /** The image's start-up prefetch list (its top layer's), indices checked against the layers. */
  public PrefetchList prefetchList() {
    return prefetch;
  }

  /** The prefetch list's chunks, in recorded order (allocates one location per entry). */
  public List<ChunkLocation> prefetchChunks() {
    ChunkLocation[] out = new ChunkLocation[prefetch.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = frames[prefetch.layer(i)].location(prefetch.frame(i));
    }
    return List.of(out);
  }

  public long maxInode() {
    return maxIno;
  }

  /** The frame table of layer {@code layer} (index into the list given to {@link #of}). */
  public FrameTable frames(int layer) {
    return frames[layer];
  }

  public int layerCount() {
    return frames.length;
  }

  /** The inode of {@code name} in directory {@code parent}, or -1 when absent (or parent is no directory). */
  public long lookup(long parent, byte[] name) {
    return lookup(parent, name, 0, name.length);
  }

  /** {@link #lookup(long, byte[])} for the name at {@code name[off, off+len)} (e.g. in a FUSE request buffer). */
  public long lookup(long parent, byte[] name, int off, int len) {
    int dir = index(parent);
    if (dir < 0) {
      return -1;
    }
    int lo = childStart[dir];
    int hi = lo + childCount[dir] - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      int c = Arrays.compareUnsigned(names, entryNameOff[mid], entryNameOff[mid + 1], name, off, off + len);
      if (c < 0) {
        lo = mid + 1;
      } else if (c > 0) {
        hi = mid - 1;
      } else {
        return entryIno[mid];
      }
    }
    return -1;
  }

  public long lookup(long parent, String name) {
    return lookup(parent, name.getBytes(StandardCharsets.UTF_8));
  }

  /** The inode of a normal path ("" is the root), or -1. Does not follow symlinks. */
  public long lookupPath(String path) {
    long ino = ROOT;
    if (path.isEmpty()) {
      return ino;
    }
    for (String name : path.split("/", -1)) {
      ino = lookup(ino, name);
      if (ino < 0) {
        return -1;
      }
    }
    return ino;
  }

  /** FILE, DIR, SYMLINK, CHAR_DEVICE, BLOCK_DEVICE or FIFO (hardlinks are files sharing an inode). */
  public EntryType type(long ino) {
    return EntryType.ofCode(types[check(ino)]);
  }

  /** {@code st_mode}: file type bits and permission bits. */
  public int stMode(long ino) {
    int i = check(ino);
    return EntryType.ofCode(types[i]).fileTypeBits() | modes[i];
  }

  /** Permission bits including setuid/setgid/sticky. */
  public int mode(long ino) {
    return modes[check(ino)];
  }

  public long uid(long ino) {
    return Integer.toUnsignedLong(uids[check(ino)]);
  }

  public long gid(long ino) {
    return Integer.toUnsignedLong(gids[check(ino)]);
  }

  /** Content size of a file, target length of a symlink, 0 otherwise. */
  public long size(long ino) {
    return sizes[check(ino)];
  }

  public long mtimeSeconds(long ino) {
    return mtimes[check(ino)];
  }

  public int mtimeNanos(long ino) {
    return nanos[check(ino)];
  }

  /** Link count: directory entries naming this inode; for a directory 2 + its subdirectories. */
  public int nlink(long ino) {
    return nlinks[check(ino)];
  }

  public int devMajor(long ino) {
    return devices[2 * check(ino)];
  }

  public int devMinor(long ino) {
    return devices[2 * check(ino) + 1];
  }

  /** {@code st_rdev} as Linux encodes it ({@code makedev(major, minor)}); 0 for non-devices. */
  public long rdev(long ino) {
    long major = Integer.toUnsignedLong(devMajor(ino));
    long minor = Integer.toUnsignedLong(devMinor(ino));
    return (minor & 0xff) | ((major & 0xfff) << 8) | ((minor & ~0xffL) << 12) | ((major & ~0xfffL) << 32);
  }

  /** The parent directory of a directory ({@link #ROOT} for the root); -1 for other types. */
  public long parent(long ino) {
    return parents[check(ino)];
  }

  /** The symlink target bytes; null for other types. */
  public byte[] readlink(long ino) {
    int i = check(ino);
    return types[i] == EntryType.SYMLINK.code() ? Arrays.copyOfRange(links, linkOff[i], linkOff[i + 1]) : null;
  }

  public Map<String, byte[]> xattrs(long ino) {
    int i = check(ino);
    return Xattrs.decode(xattrs, xattrOff[i], xattrOff[i + 1] - xattrOff[i]);
  }

  /** Number of children of a directory (without "." and ".."); 0 for non-directories. */
  public int childCount(long dir) {
    return childCount[check(dir)];
  }

  /** The inode of child {@code index} (0-based, sorted by name) of {@code dir}. */
  public long childInode(long dir, int index) {
    return entryIno[entry(dir, index)];
  }

  /** The name bytes of child {@code index} of {@code dir} (a fresh copy). */
  public byte[] childName(long dir, int index) {
    int e = entry(dir, index);
    return Arrays.copyOfRange(names, entryNameOff[e], entryNameOff[e + 1]);
  }

  /** For a file: which layer (index into the list given to {@link #of}) holds its content; -1 otherwise. */
  public int layerOf(long ino) {
    return layers[check(ino)];
  }

  /** For a file: offset of its content in its layer's uncompressed tar stream; -1 otherwise. */
  public long dataOffset(long ino) {
    return dataOffsets[check(ino)];
  }

  /**
   * The chunks a read of file bytes [{@code offset}, +{@code length}) needs, in order; empty past
   * the end of the file or for a non-file. Each chunk's uncompressed range is in tar-stream
   * coordinates: file byte {@code offset} is tar byte {@code dataOffset(ino) + offset}.
   */
  public List<ChunkLocation> chunks(long ino, long offset, int length) {
    int i = check(ino);
    if (types[i] != EntryType.FILE.code() || offset < 0 || length <= 0 || offset >= sizes[i]) {
      return List.of();
    }
    long end = Math.min(sizes[i], offset + length);
    return frames[layers[i]].overlapping(dataOffsets[i] + offset, end - offset);
  }

  private int entry(long dir, int index) {
    int d = check(dir);
    if (index < 0 || index >= childCount[d]) {
      throw new IndexOutOfBoundsException("child " + index + " of inode " + dir + " (" + childCount[d] + " children)");
    }
    return childStart[d] + index;
  }

  /** The directory's table index, or -1 when {@code ino} is no directory. */
  private int index(long ino) {
    return ino >= 1 && ino <= maxIno && types[(int) ino] == EntryType.DIR.code() ? (int) ino : -1;
  }

  private int check(long ino) {
    if (ino < 1 || ino > maxIno) {
      throw new IllegalArgumentException("no inode " + ino + " (1.." + maxIno + ")");
    }
    return (int) ino;
  }
}
