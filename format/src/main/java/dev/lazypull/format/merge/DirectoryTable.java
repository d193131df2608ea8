package dev.lazypull.format.merge;

import dev.lazypull.format.IndexBudget;
import dev.lazypull.format.IndexTooLargeException;
import java.util.Arrays;

/**
 * Directory entries while layers are applied, in primitive arrays: edge {@code e} names child node
 * {@code child(e)} (or -1 once removed) under {@code name(e)} in directory node {@code dir(e)}. An
 * open-addressing hash over (directory, name) finds an edge; each directory chains its edges so a
 * whole directory can be cleared (opaque markers) or listed. A (directory, name) pair keeps one edge
 * for good: removing it only clears the child, re-adding sets it again.
 */
final class DirectoryTable {
  private final IndexBudget budget;
  private int[] edgeDir = new int[1024];
  private int[] edgeChild = new int[1024];
  private int[] edgeNext = new int[1024];
  private int[] edgeNameOff = new int[1025];
  private int edges;
  private byte[] names = new byte[16384];
  private int nameBytes;
  private int[] firstEdge = new int[1024];
  private int[] slots = new int[2048];

  DirectoryTable(IndexBudget budget) {
    this.budget = budget;
    Arrays.fill(slots, -1);
    Arrays.fill(firstEdge, -1);
  }

  int edgeCount() {
    return edges;
  }

  int dir(int e) {
    return edgeDir[e];
  }

  int child(int e) {
    return edgeChild[e];
  }

  int next(int e) {
    return edgeNext[e];
  }

  int first(int dirNode) {
    return dirNode < firstEdge.length ? firstEdge[dirNode] : -1;
  }

  byte[] names() {
    return names;
  }

  int nameOff(int e) {
    return edgeNameOff[e];
  }

  int nameLen(int e) {
    return edgeNameOff[e + 1] - edgeNameOff[e];
  }

  /** The child named {@code name[off, off+len)} in {@code dirNode}, or -1. */
  int lookup(int dirNode, byte[] name, int off, int len) {
    int e = find(dirNode, name, off, len);
    return e < 0 ? -1 : edgeChild[e];
  }

  /** Sets (adds or replaces) the child named {@code name[off, off+len)} of {@code dirNode}. */
  void put(int dirNode, byte[] name, int off, int len, int child) throws IndexTooLargeException {
    int e = find(dirNode, name, off, len);
    if (e < 0) {
      e = add(dirNode, name, off, len);
    }
    edgeChild[e] = child;
  }

  void remove(int dirNode, byte[] name, int off, int len) {
    int e = find(dirNode, name, off, len);
    if (e >= 0) {
      edgeChild[e] = -1;
    }
  }

  void clear(int dirNode) {
    for (int e = first(dirNode); e >= 0; e = edgeNext[e]) {
      edgeChild[e] = -1;
    }
  }

  private int find(int dirNode, byte[] name, int off, int len) {
    int mask = slots.length - 1;
    for (int s = hash(dirNode, name, off, len) & mask; ; s = (s + 1) & mask) {
      int e = slots[s];
      if (e < 0) {
        return -1;
      }
      if (edgeDir[e] == dirNode
          && Arrays.equals(names, edgeNameOff[e], edgeNameOff[e + 1], name, off, off + len)) {
        return e;
      }
    }
  }

  private int add(int dirNode, byte[] name, int off, int len) throws IndexTooLargeException {
    if (edges + 1 >= edgeDir.length) {
      int n = edgeDir.length * 2;
      budget.charge(16L * n, "the merged index's " + n + " directory entries");
      edgeDir = Arrays.copyOf(edgeDir, n);
      edgeChild = Arrays.copyOf(edgeChild, n);
      edgeNext = Arrays.copyOf(edgeNext, n);
      edgeNameOff = Arrays.copyOf(edgeNameOff, n + 1);
    }
    if (nameBytes + len > names.length) {
      int n = Math.max(names.length * 2, nameBytes + len);
      budget.charge(n, "the merged index's names (" + n + " bytes)");
      names = Arrays.copyOf(names, n);
    }
    if (dirNode >= firstEdge.length) {
      int old = firstEdge.length;
      int n = Math.max(old * 2, dirNode + 1);
      budget.charge(4L * n, "the merged index's " + n + " directories");
      firstEdge = Arrays.copyOf(firstEdge, n);
      Arrays.fill(firstEdge, old, firstEdge.length, -1);
    }
    int e = edges++;
    System.arraycopy(name, off, names, nameBytes, len);
    nameBytes += len;
    edgeNameOff[e + 1] = nameBytes;
    edgeDir[e] = dirNode;
    edgeNext[e] = firstEdge[dirNode];
    firstEdge[dirNode] = e;
    if (2 * edges > slots.length) {
      rehash();
    } else {
      insert(e);
    }
    return e;
  }

  private void rehash() throws IndexTooLargeException {
    budget.charge(8L * slots.length, "the merged index's name hash (" + 2 * slots.length + " slots)");
    slots = new int[slots.length * 2];
    Arrays.fill(slots, -1);
    for (int e = 0; e < edges; e++) {
      insert(e);
    }
  }

  private void insert(int e) {
    int mask = slots.length - 1;
    int s = hash(edgeDir[e], names, edgeNameOff[e], nameLen(e)) & mask;
    while (slots[s] >= 0) {
      s = (s + 1) & mask;
    }
    slots[s] = e;
  }

  private static int hash(int dirNode, byte[] name, int off, int len) {
    int h = dirNode * 0x9E3779B1;
    for (int i = off; i < off + len; i++) {
      h = 31 * h + name[i];
    }
    return h ^ (h >>> 16);
  }
}
