package dev.lazypull.format.merge;

import dev.lazypull.format.EntryType;
import dev.lazypull.format.merge.TreeBuilder.Node;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Map;

/**
 * Numbers the merged tree's nodes breadth-first with children in name order (so the same image
 * always gets the same inode numbers, and a directory's children get neighbouring numbers) and
 * copies them into flat arrays indexed by inode.
 */
final class IndexFlattener {
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

  IndexFlattener flatten(Node root) {
    ArrayList<Node> nodes = new ArrayList<>();
    nodes.add(null);
    root.ino = 1;
    nodes.add(root);
    ArrayList<byte[]> entryNames = new ArrayList<>();
    ArrayList<Node> entryNodes = new ArrayList<>();
    ArrayList<int[]> dirRanges = new ArrayList<>();
    ArrayDeque<Node> queue = new ArrayDeque<>();
    queue.add(root);
    while (!queue.isEmpty()) {
      Node dir = queue.poll();
      int start = entryNodes.size();
      for (Map.Entry<byte[], Node> child : sortedChildren(dir)) {
        Node node = child.getValue();
        if (node.ino == 0) {
          node.ino = nodes.size();
          nodes.add(node);
          if (node.isDir()) {
            queue.add(node);
          }
        }
        entryNames.add(child.getKey());
        entryNodes.add(node);
      }
      dirRanges.add(new int[] {dir.ino, start, entryNodes.size() - start});
    }
    maxIno = nodes.size() - 1;
    allocate(maxIno + 1);
    for (int ino = 1; ino <= maxIno; ino++) {
      copy(ino, nodes.get(ino));
    }
    fillPools(nodes);
    fillEntries(entryNames, entryNodes, dirRanges);
    return this;
  }

  private static ArrayList<Map.Entry<byte[], Node>> sortedChildren(Node dir) {
    ArrayList<Map.Entry<byte[], Node>> children = new ArrayList<>(dir.children.size());
    dir.children.forEach((name, node) -> children.add(Map.entry(name.getBytes(StandardCharsets.UTF_8), node)));
    children.sort((a, b) -> Arrays.compareUnsigned(a.getKey(), b.getKey()));
    return children;
  }

  private void allocate(int n) {
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
    childStart = new int[n];
    childCount = new int[n];
  }

  private void copy(int ino, Node node) {
    types[ino] = (byte) node.type.code();
    modes[ino] = node.mode;
    uids[ino] = (int) node.uid;
    gids[ino] = (int) node.gid;
    sizes[ino] = node.size;
    mtimes[ino] = node.mtimeSeconds;
    nanos[ino] = node.mtimeNanos;
    devices[2 * ino] = node.devMajor;
    devices[2 * ino + 1] = node.devMinor;
    layers[ino] = node.layer;
    dataOffsets[ino] = node.dataOffset;
    parents[ino] = node.isDir() ? (node.parent == null ? 1 : node.parent.ino) : -1;
    nlinks[ino] = node.isDir() ? 2 : 0;
  }

  private void fillPools(ArrayList<Node> nodes) {
    linkOff = new int[maxIno + 2];
    xattrOff = new int[maxIno + 2];
    int linkBytes = 0;
    int xattrBytes = 0;
    for (int ino = 1; ino <= maxIno; ino++) {
      Node n = nodes.get(ino);
      linkBytes += n.link == null ? 0 : n.link.length;
      xattrBytes += n.xattrs == null ? 0 : n.xattrs.length;
    }
    links = new byte[linkBytes];
    xattrs = new byte[xattrBytes];
    for (int ino = 1; ino <= maxIno; ino++) {
      Node n = nodes.get(ino);
      linkOff[ino + 1] = put(links, linkOff[ino], n.link);
      xattrOff[ino + 1] = put(xattrs, xattrOff[ino], n.xattrs);
    }
  }

  private static int put(byte[] pool, int at, byte[] bytes) {
    if (bytes == null) {
      return at;
    }
    System.arraycopy(bytes, 0, pool, at, bytes.length);
    return at + bytes.length;
  }

  private void fillEntries(ArrayList<byte[]> entryNames, ArrayList<Node> entryNodes, ArrayList<int[]> dirRanges) {
    int count = entryNodes.size();
    entryIno = new int[count];
    entryNameOff = new int[count + 1];
    int nameBytes = 0;
    for (byte[] name : entryNames) {
      nameBytes += name.length;
    }
    names = new byte[nameBytes];
    for (int e = 0; e < count; e++) {
      Node node = entryNodes.get(e);
      entryIno[e] = node.ino;
      entryNameOff[e + 1] = put(names, entryNameOff[e], entryNames.get(e));
      if (node.type != EntryType.DIR) {
        nlinks[node.ino]++;
      }
    }
    for (int[] range : dirRanges) {
      int dir = range[0];
      childStart[dir] = range[1];
      childCount[dir] = range[2];
      for (int e = range[1]; e < range[1] + range[2]; e++) {
        if (entryNodes.get(e).isDir()) {
          nlinks[dir]++;
        }
      }
    }
  }
}
