package dev.lazypull.fuse.testfs;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Compares two trees by walking both: names, types, modes, owners, sizes, mtimes, link counts,
 * device numbers, symlink targets, user xattrs, hardlink grouping and every file's bytes.
 * Access and change times are not compared (a tmpfs sets them itself), nor directory sizes
 * (file-system specific).
 */
public final class TreeComparison {
  private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;
  private static final List<String> ATTRIBUTES = List.of("mode", "uid", "gid", "nlink", "rdev", "lastModifiedTime",
      "size");

  private final Set<Path> bytesSkipped;

  /** @param bytesSkipped relative paths whose content is compared elsewhere (huge sparse files) */
  public TreeComparison(Set<Path> bytesSkipped) {
    this.bytesSkipped = bytesSkipped;
  }

  /** The differences between the trees, empty if they are equal. */
  public List<String> differences(Path expected, Path actual) throws IOException {
    List<String> diffs = new ArrayList<>();
    Set<Path> expectedPaths = relativePaths(expected);
    Set<Path> actualPaths = relativePaths(actual);
    if (!expectedPaths.equals(actualPaths)) {
      Set<Path> missing = new TreeSet<>(expectedPaths);
      missing.removeAll(actualPaths);
      Set<Path> extra = new TreeSet<>(actualPaths);
      extra.removeAll(expectedPaths);
      diffs.add("paths differ: missing " + missing + ", extra " + extra);
      return diffs;
    }
    Map<Object, Set<Path>> expectedGroups = new TreeMap<>();
    Map<Object, Set<Path>> actualGroups = new TreeMap<>();
    for (Path rel : expectedPaths) {
      Path e = expected.resolve(rel.toString());
      Path a = actual.resolve(rel.toString());
      Map<String, Object> ea = Files.readAttributes(e, "unix:*", NOFOLLOW);
      Map<String, Object> aa = Files.readAttributes(a, "unix:*", NOFOLLOW);
      for (String name : ATTRIBUTES) {
        if (name.equals("size") && Boolean.TRUE.equals(ea.get("isDirectory"))) {
          continue;
        }
        if (!ea.get(name).equals(aa.get(name))) {
          diffs.add(rel + ": " + name + " " + ea.get(name) + " != " + aa.get(name));
        }
      }
      if (((Number) ea.get("nlink")).longValue() > 1 && !Boolean.TRUE.equals(ea.get("isDirectory"))) {
        expectedGroups.computeIfAbsent((Long) ea.get("ino"), k -> new TreeSet<>()).add(rel);
        actualGroups.computeIfAbsent((Long) aa.get("ino"), k -> new TreeSet<>()).add(rel);
      }
      if (Files.isSymbolicLink(e)) {
        if (!Files.readSymbolicLink(e).equals(Files.readSymbolicLink(a))) {
          diffs.add(rel + ": symlink target " + Files.readSymbolicLink(e) + " != " + Files.readSymbolicLink(a));
        }
        continue;
      }
      if (Files.isRegularFile(e, NOFOLLOW) || Files.isDirectory(e, NOFOLLOW)) {
        Map<String, String> ex = xattrs(e);
        Map<String, String> ax = xattrs(a);
        if (!ex.equals(ax)) {
          diffs.add(rel + ": xattrs " + ex + " != " + ax);
        }
      }
      if (Files.isRegularFile(e, NOFOLLOW) && !bytesSkipped.contains(rel)) {
        String es = sha256(e);
        String as = sha256(a);
        if (!es.equals(as)) {
          diffs.add(rel + ": content sha256 " + es + " != " + as);
        }
      }
    }
    Set<Set<Path>> eg = new java.util.HashSet<>(expectedGroups.values());
    Set<Set<Path>> ag = new java.util.HashSet<>(actualGroups.values());
    if (!eg.equals(ag)) {
      diffs.add("hardlink groups " + eg + " != " + ag);
    }
    return diffs;
  }

  private static Set<Path> relativePaths(Path root) throws IOException {
    try (Stream<Path> s = Files.walk(root)) {
      Set<Path> paths = new TreeSet<>();
      s.forEach(p -> paths.add(root.relativize(p)));
      return paths;
    }
  }

  private static Map<String, String> xattrs(Path p) throws IOException {
    UserDefinedFileAttributeView view = Files.getFileAttributeView(p, UserDefinedFileAttributeView.class, NOFOLLOW);
    Map<String, String> out = new TreeMap<>();
    for (String name : view.list()) {
      ByteBuffer b = ByteBuffer.allocate(view.size(name));
      view.read(name, b);
      out.put(name, HexFormat.of().formatHex(b.array(), 0, b.position()));
    }
    return out;
  }

  private static String sha256(Path p) throws IOException {
    try (InputStream in = Files.newInputStream(p)) {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[1 << 20];
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
      return HexFormat.of().formatHex(md.digest());
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
