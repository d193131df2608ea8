package dev.lazypull.format.merge;

import dev.lazypull.format.EntryType;
import dev.lazypull.format.IndexBudget;
import dev.lazypull.format.IndexTooLargeException;
import dev.lazypull.format.toc.LayerToc;
import java.util.Arrays;
import java.util.List;

/**
 * Numbers the applied tree's nodes breadth-first with children in name order (so the same image
 * always gets the same inode numbers, and a directory's children get neighbouring numbers) and
 * copies them into flat arrays indexed by inode, attributes read from the TOC entries.
 */
final class IndexFlattener {
  private static final int IMPLICIT_DIR_MODE = 0755;
  /**
   * The attribute tables per inode (type, mode, uid, gid, size, mtime, nanos, nlink, parent,
   * device pair, layer, data offset, children, link and xattr offsets).
   */
  private static final int BYTES_PER_INODE = 1 + 4 + 4 + 4 + 8 + 8 + 4 + 4 + 4 + 8 + 4 + 8 + 8 + 8;

  private final IndexBudget budget;

  int maxIno;
  byte[] types;
  int[] modes;
  int[] uids;
  int[] gids;
  long[] sizes;
  long[] mtimes;
  int[] nanos;
  int[] nlinks;
  int[] parents;
  int[] devices;
  int[] layers;
  long[] dataOffsets;
  int[] childStart;
  int[] childCount;
  int[] entryIno;
  int[] entryNameOff;
  byte[] names;
  int[] linkOff;
  byte[] links;
  int[] xattrOff;
  byte[] xattrs;

  IndexFlattener(IndexBudget budget) {
    this.budget = budget;
  }

  IndexFlattener flatten(LayerApplier tree, List<LayerToc> tocs) throws IndexTooLargeException {
    DirectoryTable dirs = tree.dirs;
    // Numbering's own arrays, then the tables by inode (at most one per node) and by directory entry.
    budget.charge(24L * tree.nodeCount() + 4L * dirs.edgeCount(), "numbering the merged index's " + tree.nodeCount()
        + " nodes");
    budget.charge((long) BYTES_PER_INODE * (tree.nodeCount() + 1) + 8L * dirs.edgeCount(), "the merged index's tables for "
        + tree.nodeCount() + " inodes and " + dirs.edgeCount() + " directory entries");
    int[] inoOf = new int[tree.nodeCount()];
    int[] nodeOf = new int[tree.nodeCount() + 1];
    int[] entryEdges = new int[Math.max(1, dirs.edgeCount())];
    int entryCount = 0;
    int[] queue = new int[tree.nodeCount()];
    int head = 0;
    int tail = 0;
    maxIno = 1;
    inoOf[LayerApplier.ROOT] = 1;
    nodeOf[1] = LayerApplier.ROOT;
    queue[tail++] = LayerApplier.ROOT;
    childStart = new int[tree.nodeCount() + 1];
    childCount = new int[tree.nodeCount() + 1];
    int[] scratch = new int[16];
    while (head < tail) {
      int dir = queue[head++];
      int n = 0;
      for (int e = dirs.first(dir); e >= 0; e = dirs.next(e)) {
        if (dirs.child(e) >= 0) {
          if (n == scratch.length) {
            scratch = Arrays.copyOf(scratch, n * 2);
          }
          scratch[n++] = e;
        }
      }
      sortByName(dirs, scratch, n);
      childStart[inoOf[dir]] = entryCount;
      childCount[inoOf[dir]] = n;
      for (int k = 0; k < n; k++) {
        int child = dirs.child(scratch[k]);
        if (inoOf[child] == 0) {
          inoOf[child] = ++maxIno;
          nodeOf[maxIno] = child;
          if (tree.isDir(child)) {
            queue[tail++] = child;
          }
        }
        entryEdges[entryCount++] = scratch[k];
      }
    }
    childStart = Arrays.copyOf(childStart, maxIno + 1);
    childCount = Arrays.copyOf(childCount, maxIno + 1);
    copyAttributes(tree, tocs, nodeOf, inoOf);
    copyEntries(dirs, entryEdges, entryCount, inoOf);
    return this;
  }

  private void copyAttributes(LayerApplier tree, List<LayerToc> tocs, int[] nodeOf, int[] inoOf) throws IndexTooLargeException {
    int n = maxIno + 1;
    types = new byte[n];
    modes = new int[n];
    uids = new int[n];
    gids = new int[n];
    sizes = new long[n];
    mtimes = new long[n];
    nanos = new int[n];
    nlinks = new int[n];
    parents = new int[n];
    devices = new int[2 * n];
    layers = new int[n];
    dataOffsets = new long[n];
    linkOff = new int[n + 1];
    xattrOff = new int[n + 1];
    Pool linkPool = new Pool(budget, "the merged index's link targets");
    Pool xattrPool = new Pool(budget, "the merged index's xattrs");
    for (int ino = 1; ino <= maxIno; ino++) {
      int node = nodeOf[ino];
      EntryType type = tree.type(node);
      types[ino] = (byte) type.code();
      layers[ino] = -1;
      dataOffsets[ino] = -1;
      parents[ino] = type == EntryType.DIR ? inoOf[tree.parent(node)] : -1;
      nlinks[ino] = type == EntryType.DIR ? 2 : 0;
      modes[ino] = IMPLICIT_DIR_MODE;
      int entry = tree.entry(node);
      if (entry >= 0) {
        LayerToc toc = tocs.get(tree.layer(node));
        modes[ino] = toc.mode(entry);
        uids[ino] = (int) toc.uid(entry);
        gids[ino] = (int) toc.gid(entry);
        mtimes[ino] = toc.mtimeSeconds(entry);
        nanos[ino] = toc.mtimeNanos(entry);
        xattrPool.add(toc.xattrBytes(entry));
        switch (type) {
          case FILE -> {
            sizes[ino] = toc.size(entry);
            layers[ino] = tree.layer(node);
            dataOffsets[ino] = toc.dataOffset(entry);
          }
          case SYMLINK -> {
            byte[] target = toc.linkBytes(entry);
            sizes[ino] = target.length;
            linkPool.add(target);
          }
          case CHAR_DEVICE, BLOCK_DEVICE -> {
            devices[2 * ino] = toc.devMajor(entry);
            devices[2 * ino + 1] = toc.devMinor(entry);
          }
          default -> {}
        }
      }
      linkOff[ino + 1] = linkPool.length;
      xattrOff[ino + 1] = xattrPool.length;
    }
    links = linkPool.toArray();
    xattrs = xattrPool.toArray();
  }

  private void copyEntries(DirectoryTable dirs, int[] edges, int count, int[] inoOf) throws IndexTooLargeException {
    entryIno = new int[count];
    entryNameOff = new int[count + 1];
    Pool namePool = new Pool(budget, "the merged index's names");
    for (int k = 0; k < count; k++) {
      int e = edges[k];
      int ino = inoOf[dirs.child(e)];
      entryIno[k] = ino;
      namePool.add(dirs.names(), dirs.nameOff(e), dirs.nameLen(e));
      entryNameOff[k + 1] = namePool.length;
      if (types[ino] != EntryType.DIR.code()) {
        nlinks[ino]++;
      } else {
        nlinks[inoOf[dirs.dir(e)]]++;
      }
    }
    names = namePool.toArray();
  }

  /** Sorts edges {@code a[0, n)} by name, unsigned bytes (insertion sort for runs, then merges). */
  private static void sortByName(DirectoryTable dirs, int[] a, int n) {
    int[] tmp = new int[n];
    for (int width = 1; width < n; width *= 2) {
      for (int lo = 0; lo < n - width; lo += 2 * width) {
        int mid = lo + width;
        int hi = Math.min(lo + 2 * width, n);
        int i = lo;
        int j = mid;
        int k = lo;
        while (i < mid && j < hi) {
          tmp[k++] = compare(dirs, a[i], a[j]) <= 0 ? a[i++] : a[j++];
        }
        while (i < mid) {
          tmp[k++] = a[i++];
        }
        while (j < hi) {
          tmp[k++] = a[j++];
        }
        System.arraycopy(tmp, lo, a, lo, hi - lo);
      }
    }
  }

  private static int compare(DirectoryTable dirs, int x, int y) {
    byte[] names = dirs.names();
    return Arrays.compareUnsigned(names, dirs.nameOff(x), dirs.nameOff(x) + dirs.nameLen(x),
        names, dirs.nameOff(y), dirs.nameOff(y) + dirs.nameLen(y));
  }

  /** A growable byte array, each growth charged to the budget (plus the final copy). */
  private static final class Pool {
    private final IndexBudget budget;
    private final String what;
    private byte[] bytes = new byte[1024];
    int length;

    Pool(IndexBudget budget, String what) {
      this.budget = budget;
      this.what = what;
    }

    void add(byte[] b) throws IndexTooLargeException {
      if (b != null) {
        add(b, 0, b.length);
      }
    }

    void add(byte[] b, int off, int len) throws IndexTooLargeException {
      if (length + len > bytes.length) {
        int n = Math.max(bytes.length * 2, length + len);
        budget.charge(n + (long) length, what + " (" + n + " bytes)");
        bytes = Arrays.copyOf(bytes, n);
      }
      System.arraycopy(b, off, bytes, length, len);
      length += len;
    }

    byte[] toArray() {
      return Arrays.copyOf(bytes, length);
    }
  }
}
