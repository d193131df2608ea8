package dev.lazypull.testkit.tree;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * The test oracle for file trees: everything a container would observe of a directory tree, path
 * by path, so that two trees (an image unpacked by a standard tool, the same image converted and
 * unpacked, a FUSE mount) can be compared exactly. Symlinks are not followed. Paths are relative
 * to the root, '/'-separated; the root itself is {@code "."}.
 */
public final class TreeSnapshot {
  /** Set by SELinux hosts on every file, not part of any image. */
  private static final String SELINUX = "security.selinux";

  private final SortedMap<String, Node> nodes;

  private TreeSnapshot(SortedMap<String, Node> nodes) {
    this.nodes = nodes;
  }

  /** What is recorded of one path. */
  public record Node(
      char type,
      int mode,
      int uid,
      int gid,
      long size,
      long mtimeNanos,
      String linkTarget,
      String hardlinkGroup,
      int devMajor,
      int devMinor,
      SortedMap<String, String> xattrs,
      String sha256) {

    /** Differences to {@code other} as "field: this != other" strings. */
    List<String> differences(Node other) {
      List<String> d = new ArrayList<>();
      compare(d, "type", type, other.type);
      compare(d, "mode", "0" + Integer.toOctalString(mode), "0" + Integer.toOctalString(other.mode));
      compare(d, "uid", uid, other.uid);
      compare(d, "gid", gid, other.gid);
      compare(d, "size", size, other.size);
      compare(d, "mtime", java.time.Instant.ofEpochSecond(0, mtimeNanos), java.time.Instant.ofEpochSecond(0, other.mtimeNanos));
      compare(d, "symlink target", linkTarget, other.linkTarget);
      compare(d, "hardlink group", hardlinkGroup, other.hardlinkGroup);
      compare(d, "device", devMajor + ":" + devMinor, other.devMajor + ":" + other.devMinor);
      compare(d, "xattrs", xattrs, other.xattrs);
      compare(d, "sha256", sha256, other.sha256);
      return d;
    }

    private static void compare(List<String> d, String field, Object a, Object b) {
      if (!Objects.equals(a, b)) {
        d.add(field + ": " + a + " != " + b);
      }
    }
  }

  /** Walks {@code root} and records every path below it, and the root itself. */
  public static TreeSnapshot of(Path root) throws IOException {
    SortedMap<String, Node> nodes = new TreeMap<>();
    Map<String, List<String>> byInode = new HashMap<>();
    Map<String, Map<String, Object>> attrs = new HashMap<>();
    Files.walkFileTree(root, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes a) throws IOException {
        visit(dir);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes a) throws IOException {
        visit(file);
        return FileVisitResult.CONTINUE;
      }

      private void visit(Path p) throws IOException {
        String rel = root.relativize(p).toString();
        String key = rel.isEmpty() ? "." : rel;
        Map<String, Object> a = Files.readAttributes(p, "unix:*", LinkOption.NOFOLLOW_LINKS);
        attrs.put(key, a);
        int mode = (int) a.get("mode");
        if ((mode & 0170000) == 0100000 && (int) a.get("nlink") > 1) {
          byInode.computeIfAbsent(a.get("dev") + ":" + a.get("ino"), k -> new ArrayList<>()).add(key);
        }
      }
    });
    Map<String, String> groupOf = new HashMap<>();
    for (List<String> group : byInode.values()) {
      if (group.size() > 1) {
        String first = group.stream().sorted().findFirst().orElseThrow();
        group.forEach(p -> groupOf.put(p, first));
      }
    }
    for (Map.Entry<String, Map<String, Object>> e : attrs.entrySet()) {
      String key = e.getKey();
      Path p = key.equals(".") ? root : root.resolve(key);
      nodes.put(key, node(p, e.getValue(), groupOf.get(key)));
    }
    return new TreeSnapshot(nodes);
  }

  private static Node node(Path p, Map<String, Object> a, String group) throws IOException {
    int rawMode = (int) a.get("mode");
    char type = switch (rawMode & 0170000) {
      case 0100000 -> 'f';
      case 0040000 -> 'd';
      case 0120000 -> 'l';
      case 0020000 -> 'c';
      case 0060000 -> 'b';
      case 0010000 -> 'p';
      case 0140000 -> 's';
      default -> '?';
    };
    long rdev = (long) a.get("rdev");
    boolean device = type == 'c' || type == 'b';
    int major = device ? (int) (((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & ~0xfffL)) : 0;
    int minor = device ? (int) ((rdev & 0xff) | ((rdev >>> 12) & ~0xffL)) : 0;
    FileTime mtime = (FileTime) a.get("lastModifiedTime");
    java.time.Instant t = mtime.toInstant();
    long mtimeNanos = t.getEpochSecond() * 1_000_000_000L + t.getNano();
    SortedMap<String, String> xattrs = new TreeMap<>();
    Xattrs.read(p).forEach((k, v) -> {
      if (!k.equals(SELINUX)) {
        xattrs.put(k, HexFormat.of().formatHex(v));
      }
    });
    return new Node(
        type,
        rawMode & 07777,
        (int) a.get("uid"),
        (int) a.get("gid"),
        type == 'f' ? (long) a.get("size") : 0,
        mtimeNanos,
        type == 'l' ? Files.readSymbolicLink(p).toString() : null,
        group,
        major,
        minor,
        xattrs,
        type == 'f' ? sha256(p) : null);
  }

  private static String sha256(Path p) throws IOException {
    MessageDigest md;
    try {
      md = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
    try (InputStream in = Files.newInputStream(p, LinkOption.NOFOLLOW_LINKS)) {
      byte[] buf = new byte[1 << 16];
      int n;
      while ((n = in.read(buf)) > 0) {
        md.update(buf, 0, n);
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }

  public SortedMap<String, Node> nodes() {
    return java.util.Collections.unmodifiableSortedMap(nodes);
  }

  public Node get(String path) {
    return nodes.get(path);
  }

  public int size() {
    return nodes.size();
  }

  /** This snapshot without the paths {@code exclude} accepts (for trees with known extras). */
  public TreeSnapshot without(Predicate<String> exclude) {
    SortedMap<String, Node> kept = new TreeMap<>();
    nodes.forEach((k, v) -> {
      if (!exclude.test(k)) {
        kept.put(k, v);
      }
    });
    return new TreeSnapshot(kept);
  }

  /** Every difference to {@code other}, one line per path and field, in path order. */
  public List<String> diff(TreeSnapshot other) {
    List<String> out = new ArrayList<>();
    TreeMap<String, Boolean> all = new TreeMap<>();
    nodes.keySet().forEach(k -> all.put(k, true));
    other.nodes.keySet().forEach(k -> all.put(k, true));
    for (String path : all.keySet()) {
      Node a = nodes.get(path);
      Node b = other.nodes.get(path);
      if (a == null) {
        out.add(path + ": only in the second tree (" + b.type() + ")");
      } else if (b == null) {
        out.add(path + ": only in the first tree (" + a.type() + ")");
      } else {
        for (String d : a.differences(b)) {
          out.add(path + ": " + d);
        }
      }
    }
    return out;
  }

  /** Throws an AssertionError listing (the first 100) differences unless the trees are equal. */
  public void assertSameAs(TreeSnapshot other, String what) {
    List<String> d = diff(other);
    if (!d.isEmpty()) {
      StringBuilder sb = new StringBuilder(what + ": " + d.size() + " differences");
      d.stream().limit(100).forEach(line -> sb.append("\n  ").append(line));
      throw new AssertionError(sb.toString());
    }
  }

  /** Counts by type, e.g. {f=5000, d=700, l=900}, to show what a comparison covered. */
  public Map<Character, Integer> countsByType() {
    Map<Character, Integer> counts = new TreeMap<>();
    nodes.values().forEach(n -> counts.merge(n.type(), 1, Integer::sum));
    return counts;
  }

}
