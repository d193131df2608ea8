package dev.lazypull.format.merge;

import dev.lazypull.format.EntryType;
import dev.lazypull.format.FormatException;
import dev.lazypull.format.IndexBudget;
import dev.lazypull.format.IndexTooLargeException;
import dev.lazypull.format.toc.LayerToc;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * Applies layers the way a runtime unpacks them, in primitive arrays (no object per entry): for
 * each layer first its whiteouts and opaque markers against the layers below, then its entries in
 * tar order. A node is a file system object whose attributes are those of TOC entry {@code
 * entry(n)} of layer {@code layer(n)} (-1 for an implicit directory); a hardlink is a second
 * directory entry naming the same node. {@link IndexFlattener} turns the result into {@link
 * MergedIndex}'s tables.
 */
final class LayerApplier {
  static final int ROOT = 0;
  private static final int WHITEOUT_PREFIX = ".wh.".length();

  private final IndexBudget budget;
  final DirectoryTable dirs;
  private byte[] types = new byte[1024];
  private int[] layers = new int[1024];
  private int[] entries = new int[1024];
  private int[] parents = new int[1024];
  private int nodes;
  /** The directory the previous entry went into: tar order keeps a directory's entries together. */
  private byte[] cachedDirPath = new byte[0];
  private int cachedDir = -1;

  LayerApplier(IndexBudget budget) {
    this.budget = budget;
    this.dirs = new DirectoryTable(budget);
  }

  LayerApplier apply(List<LayerToc> tocs) throws FormatException {
    newNode(EntryType.DIR, -1, -1, ROOT);
    for (int l = 0; l < tocs.size(); l++) {
      LayerToc toc = tocs.get(l);
      cachedDir = -1;
      for (int i = 0; i < toc.entryCount(); i++) {
        EntryType t = toc.type(i);
        if (t == EntryType.WHITEOUT || t == EntryType.OPAQUE) {
          applyWhiteout(toc.pathBytes(i), t);
        }
      }
      cachedDir = -1;
      for (int i = 0; i < toc.entryCount(); i++) {
        EntryType t = toc.type(i);
        if (t != EntryType.WHITEOUT && t != EntryType.OPAQUE) {
          add(toc, l, i, t);
        }
      }
    }
    return this;
  }

  int nodeCount() {
    return nodes;
  }

  EntryType type(int n) {
    return EntryType.ofCode(types[n]);
  }

  boolean isDir(int n) {
    return types[n] == EntryType.DIR.code();
  }

  int layer(int n) {
    return layers[n];
  }

  int entry(int n) {
    return entries[n];
  }

  int parent(int n) {
    return parents[n];
  }

  private void applyWhiteout(byte[] path, EntryType t) {
    int slash = lastSlash(path);
    int dir = find(path, Math.max(slash, 0));
    if (dir < 0 || !isDir(dir)) {
      return;
    }
    if (t == EntryType.OPAQUE) {
      dirs.clear(dir);
    } else {
      int name = slash + 1 + WHITEOUT_PREFIX;
      dirs.remove(dir, path, name, path.length - name);
    }
  }

  private void add(LayerToc toc, int layer, int i, EntryType t) throws FormatException {
    byte[] path = toc.pathBytes(i);
    if (path.length == 0) {
      if (t != EntryType.DIR) {
        throw new FormatException("layer " + toc.layer() + ": the root entry is a " + t + ", not a directory");
      }
      layers[ROOT] = layer;
      entries[ROOT] = i;
      return;
    }
    int slash = lastSlash(path);
    int dir = ensureDir(toc, path, Math.max(slash, 0));
    int nameOff = slash + 1;
    int nameLen = path.length - nameOff;
    int existing = dirs.lookup(dir, path, nameOff, nameLen);
    if (existing >= 0 && isDir(existing) && t != EntryType.DIR) {
      cachedDir = -1; // a directory leaves the tree
    }
    switch (t) {
      case DIR -> {
        if (existing >= 0 && isDir(existing)) {
          layers[existing] = layer;
          entries[existing] = i;
        } else {
          dirs.put(dir, path, nameOff, nameLen, newNode(EntryType.DIR, layer, i, dir));
        }
      }
      case HARDLINK -> {
        byte[] target = toc.linkBytes(i);
        int node = find(target, target.length);
        if (node < 0) {
          throw new FormatException("layer " + toc.layer() + ": hardlink " + toc.path(i) + " names a missing target "
              + toc.linkName(i));
        }
        if (isDir(node)) {
          throw new FormatException("layer " + toc.layer() + ": hardlink " + toc.path(i) + " names directory "
              + toc.linkName(i));
        }
        dirs.put(dir, path, nameOff, nameLen, node);
      }
      default -> dirs.put(dir, path, nameOff, nameLen, newNode(t, layer, i, -1));
    }
  }

  /** The node at {@code path[0, end)}, or -1; does not follow symlinks or create anything. */
  private int find(byte[] path, int end) {
    int node = ROOT;
    for (int start = 0; start < end && node >= 0; ) {
      if (!isDir(node)) {
        return -1;
      }
      int slash = indexOf(path, start, end);
      node = dirs.lookup(node, path, start, slash - start);
      start = slash + 1;
    }
    return node;
  }

  /** The directory at {@code path[0, end)}, creating missing ones as implicit 0755 directories. */
  private int ensureDir(LayerToc toc, byte[] path, int end) throws FormatException {
    if (end == 0) {
      return ROOT;
    }
    if (cachedDir >= 0 && Arrays.equals(cachedDirPath, 0, cachedDirPath.length, path, 0, end)) {
      return cachedDir;
    }
    int node = ROOT;
    for (int start = 0; start < end; ) {
      int slash = indexOf(path, start, end);
      int child = dirs.lookup(node, path, start, slash - start);
      if (child < 0) {
        child = newNode(EntryType.DIR, -1, -1, node);
        dirs.put(node, path, start, slash - start, child);
      } else if (!isDir(child)) {
        throw new FormatException("layer " + toc.layer() + ": entry " + new String(path, StandardCharsets.UTF_8)
            + " lies below " + new String(path, 0, slash, StandardCharsets.UTF_8) + ", which is a " + type(child));
      }
      node = child;
      start = slash + 1;
    }
    cachedDirPath = Arrays.copyOf(path, end);
    cachedDir = node;
    return node;
  }

  private int newNode(EntryType type, int layer, int entry, int parent) throws IndexTooLargeException {
    if (nodes == types.length) {
      int n = nodes * 2;
      budget.charge(13L * n, "the merged index's " + n + " nodes");
      types = Arrays.copyOf(types, n);
      layers = Arrays.copyOf(layers, n);
      entries = Arrays.copyOf(entries, n);
      parents = Arrays.copyOf(parents, n);
    }
    types[nodes] = (byte) type.code();
    layers[nodes] = layer;
    entries[nodes] = entry;
    parents[nodes] = parent;
    return nodes++;
  }

  private static int lastSlash(byte[] path) {
    for (int i = path.length - 1; i >= 0; i--) {
      if (path[i] == '/') {
        return i;
      }
    }
    return -1;
  }

  private static int indexOf(byte[] path, int start, int end) {
    for (int i = start; i < end; i++) {
      if (path[i] == '/') {
        return i;
      }
    }
    return end;
  }
}
