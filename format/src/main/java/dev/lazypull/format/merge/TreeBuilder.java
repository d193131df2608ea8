package dev.lazypull.format.merge;

import dev.lazypull.format.EntryType;
import dev.lazypull.format.FormatException;
import dev.lazypull.format.toc.LayerToc;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;

/**
 * Applies layers to a temporary object tree, the way a runtime unpacks them: for each layer first
 * its whiteouts and opaque markers against the layers below, then its entries in tar order. The
 * tree is short-lived; {@link IndexFlattener} turns it into {@link MergedIndex}'s flat tables.
 */
final class TreeBuilder {
  private static final int IMPLICIT_DIR_MODE = 0755;

  /** A file system object; a hardlink is a second directory entry naming the same Node. */
  static final class Node {
    EntryType type;
    int mode;
    long uid;
    long gid;
    long size;
    long mtimeSeconds;
    int mtimeNanos;
    byte[] link;
    int devMajor;
    int devMinor;
    byte[] xattrs;
    int layer = -1;
    long dataOffset = -1;
    Node parent;
    HashMap<String, Node> children;
    int ino;

    boolean isDir() {
      return type == EntryType.DIR;
    }
  }

  private final Node root = newDir(null);
  /**
   * Directories by path, so that the next entry of the same directory (tar order keeps them
   * together) costs one hash lookup instead of a walk from the root. Cleared whenever a directory
   * may have left the tree (whiteouts run before each layer's entries; a replaced directory).
   */
  private final HashMap<String, Node> dirCache = new HashMap<>();

  Node build(List<LayerToc> layers) throws FormatException {
    for (int l = 0; l < layers.size(); l++) {
      LayerToc toc = layers.get(l);
      for (int i = 0; i < toc.entryCount(); i++) {
        EntryType t = toc.type(i);
        if (t == EntryType.WHITEOUT || t == EntryType.OPAQUE) {
          applyWhiteout(toc, i, t);
        }
      }
      dirCache.clear();
      for (int i = 0; i < toc.entryCount(); i++) {
        EntryType t = toc.type(i);
        if (t != EntryType.WHITEOUT && t != EntryType.OPAQUE) {
          add(toc, l, i, t);
        }
      }
    }
    return root;
  }

  private void applyWhiteout(LayerToc toc, int i, EntryType t) {
    String path = toc.path(i);
    int slash = path.lastIndexOf('/');
    Node dir = find(slash < 0 ? "" : path.substring(0, slash));
    if (dir == null || !dir.isDir()) {
      return;
    }
    if (t == EntryType.OPAQUE) {
      dir.children.clear();
    } else {
      dir.children.remove(path.substring(slash + 1 + ".wh.".length()));
    }
  }

  private void add(LayerToc toc, int layer, int i, EntryType t) throws FormatException {
    String path = toc.path(i);
    if (path.isEmpty()) {
      if (t != EntryType.DIR) {
        throw new FormatException("layer " + toc.layer() + ": the root entry is a " + t + ", not a directory");
      }
      setAttributes(root, toc, i);
      return;
    }
    int slash = path.lastIndexOf('/');
    Node dir = ensureDir(toc, path, slash < 0 ? "" : path.substring(0, slash));
    String name = path.substring(slash + 1);
    Node existing = dir.children.get(name);
    if (existing != null && existing.isDir() && t != EntryType.DIR) {
      dirCache.clear();
    }
    switch (t) {
      case DIR -> {
        Node node = existing != null && existing.isDir() ? existing : newDir(dir);
        setAttributes(node, toc, i);
        dir.children.put(name, node);
      }
      case HARDLINK -> {
        String targetPath = toc.linkName(i);
        Node target = find(targetPath);
        if (target == null) {
          throw new FormatException("layer " + toc.layer() + ": hardlink " + path + " names a missing target " + targetPath);
        }
        if (target.isDir()) {
          throw new FormatException("layer " + toc.layer() + ": hardlink " + path + " names directory " + targetPath);
        }
        dir.children.put(name, target);
      }
      default -> {
        Node node = new Node();
        node.type = t;
        setAttributes(node, toc, i);
        if (t == EntryType.FILE) {
          node.size = toc.size(i);
          node.layer = layer;
          node.dataOffset = toc.dataOffset(i);
        } else if (t == EntryType.SYMLINK) {
          node.link = toc.linkBytes(i);
          node.size = node.link.length;
        } else if (t == EntryType.CHAR_DEVICE || t == EntryType.BLOCK_DEVICE) {
          node.devMajor = toc.devMajor(i);
          node.devMinor = toc.devMinor(i);
        }
        dir.children.put(name, node);
      }
    }
  }

  private static void setAttributes(Node node, LayerToc toc, int i) {
    node.mode = toc.mode(i);
    node.uid = toc.uid(i);
    node.gid = toc.gid(i);
    node.mtimeSeconds = toc.mtimeSeconds(i);
    node.mtimeNanos = toc.mtimeNanos(i);
    node.xattrs = toc.xattrBytes(i);
  }

  /** The node at a normal path, or null; does not follow symlinks. */
  Node find(String path) {
    Node node = root;
    if (path.isEmpty()) {
      return node;
    }
    int start = 0;
    while (node != null) {
      if (!node.isDir()) {
        return null;
      }
      int slash = path.indexOf('/', start);
      node = node.children.get(slash < 0 ? path.substring(start) : path.substring(start, slash));
      if (slash < 0) {
        return node;
      }
      start = slash + 1;
    }
    return null;
  }

  /** The directory at {@code dirPath}, creating missing ones as 0755 root-owned directories. */
  private Node ensureDir(LayerToc toc, String entryPath, String dirPath) throws FormatException {
    if (dirPath.isEmpty()) {
      return root;
    }
    Node cached = dirCache.get(dirPath);
    if (cached != null) {
      return cached;
    }
    Node node = root;
    int start = 0;
    while (true) {
      int slash = dirPath.indexOf('/', start);
      String name = slash < 0 ? dirPath.substring(start) : dirPath.substring(start, slash);
      Node child = node.children.get(name);
      if (child == null) {
        child = newDir(node);
        child.mode = IMPLICIT_DIR_MODE;
        node.children.put(name, child);
      } else if (!child.isDir()) {
        throw new FormatException("layer " + toc.layer() + ": entry " + entryPath + " lies below "
            + dirPath.substring(0, slash < 0 ? dirPath.length() : slash) + ", which is a " + child.type);
      }
      node = child;
      if (slash < 0) {
        dirCache.put(dirPath, node);
        return node;
      }
      start = slash + 1;
    }
  }

  private static Node newDir(Node parent) {
    Node n = new Node();
    n.type = EntryType.DIR;
    n.mode = IMPLICIT_DIR_MODE;
    n.parent = parent;
    n.children = new HashMap<>();
    return n;
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
