package dev.lazypull.builder.overlay.files;

import dev.lazypull.builder.overlay.BuildInputException;
import dev.lazypull.builder.overlay.spec.AddSpec;
import dev.lazypull.oci.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The files of all {@code --add}s, merged into the sorted entry list of one layer. Each source
 * directory is walked without following symlinks, honouring its ignore rules; every regular
 * file is read once to hash it, so the build's content hash can be computed before anything is
 * encoded. Later adds replace earlier ones at the same path; parents of every entry are created.
 */
public final class SourceTree {
  private final TreeMap<String, AddedFile> entries = new TreeMap<>();

  private SourceTree() {}

  /**
   * Scans the sources. {@code ignoreFile}, when not null, applies to every source directory;
   * otherwise each directory's own {@code .dockerignore} does, when it has one.
   */
  public static List<AddedFile> scan(List<AddSpec> adds, Path ignoreFile) {
    SourceTree tree = new SourceTree();
    IgnoreRules shared = ignoreFile == null ? null : readIgnore(ignoreFile);
    for (AddSpec add : adds) {
      tree.add(add, shared);
    }
    return List.copyOf(tree.entries.values());
  }

  private void add(AddSpec add, IgnoreRules shared) {
    String dest = imagePath(add.destination());
    BasicFileAttributes attrs;
    Path src;
    try {
      // A source named on the command line is followed when it is a symlink (as cp and docker do);
      // symlinks inside a directory are kept as symlinks.
      src = add.source().toRealPath();
      attrs = Files.readAttributes(src, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      throw new BuildInputException("source " + add.source() + " does not exist (or is a dangling symlink)");
    } catch (IOException e) {
      throw new BuildInputException("cannot read source " + add.source() + ": " + e.getMessage(), e);
    }
    if (attrs.isDirectory()) {
      IgnoreRules rules = shared != null ? shared
          : Files.isRegularFile(src.resolve(".dockerignore")) ? readIgnore(src.resolve(".dockerignore")) : IgnoreRules.none();
      if (!dest.isEmpty()) {
        put(new AddedFile.Directory(dest));
      }
      walk(src, dest, rules);
    } else {
      String target = add.destination().endsWith("/") ? join(dest, add.source().getFileName().toString()) : dest;
      if (target.isEmpty()) {
        throw new BuildInputException("cannot add file " + src + " as the image's root directory");
      }
      put(entry(src, target, attrs));
    }
  }

  private void walk(Path root, String dest, IgnoreRules rules) {
    try {
      Files.walkFileTree(root, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
          if (dir.equals(root)) {
            return FileVisitResult.CONTINUE;
          }
          String rel = relative(root, dir);
          if (rules.excludes(rel)) {
            return rules.canSkipExcludedDirectories() ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
          }
          put(new AddedFile.Directory(join(dest, rel)));
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
          String rel = relative(root, file);
          if (!rules.excludes(rel)) {
            put(entry(file, join(dest, rel), attrs));
          }
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFileFailed(Path file, IOException e) {
          throw new BuildInputException("cannot read " + file + ": " + e.getMessage(), e);
        }
      });
    } catch (IOException e) {
      throw new BuildInputException("cannot read " + root + ": " + e.getMessage(), e);
    }
  }

  private static AddedFile entry(Path file, String path, BasicFileAttributes attrs) {
    try {
      if (attrs.isSymbolicLink()) {
        return new AddedFile.Symlink(path, Files.readSymbolicLink(file).toString());
      }
      if (!attrs.isRegularFile()) {
        throw new BuildInputException(
            "cannot add " + file + ": only regular files, directories and symlinks can be added (exclude it in the ignore file)");
      }
      boolean exec = Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS).contains(PosixFilePermission.OWNER_EXECUTE);
      MessageDigest sha = Digest.newSha256();
      long size;
      try (InputStream in = new DigestInputStream(Files.newInputStream(file), sha)) {
        size = in.transferTo(java.io.OutputStream.nullOutputStream());
      }
      return new AddedFile.RegularFile(path, exec ? 0755 : 0644, size, Digest.of(sha.digest()), file);
    } catch (IOException e) {
      throw new BuildInputException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  private void put(AddedFile f) {
    for (int i = f.path().indexOf('/'); i >= 0; i = f.path().indexOf('/', i + 1)) {
      String parent = f.path().substring(0, i);
      AddedFile existing = entries.get(parent);
      if (existing == null) {
        entries.put(parent, new AddedFile.Directory(parent));
      } else if (!(existing instanceof AddedFile.Directory)) {
        throw new BuildInputException("/" + f.path() + " is added below /" + parent + ", which another add made a file");
      }
    }
    AddedFile old = entries.put(f.path(), f);
    if (old instanceof AddedFile.Directory && !(f instanceof AddedFile.Directory) && hasChildren(f.path())) {
      throw new BuildInputException("/" + f.path() + " is added as a file, but another add made it a directory");
    }
  }

  private boolean hasChildren(String dir) {
    Map.Entry<String, AddedFile> next = entries.higherEntry(dir + "/");
    return next != null && next.getKey().startsWith(dir + "/");
  }

  private static IgnoreRules readIgnore(Path file) {
    try {
      return IgnoreRules.read(file);
    } catch (IOException e) {
      throw new BuildInputException("cannot read ignore file " + file + ": " + e.getMessage(), e);
    }
  }

  /** An absolute image path as a root-relative path, rejecting '..' so nothing escapes the root. */
  static String imagePath(String absolute) {
    List<String> parts = new ArrayList<>();
    for (String p : absolute.split("/+")) {
      if (p.isEmpty() || p.equals(".")) {
        continue;
      }
      if (p.equals("..")) {
        throw new BuildInputException("destination '" + absolute + "' must not contain '..'");
      }
      parts.add(p);
    }
    return String.join("/", parts);
  }

  private static String relative(Path root, Path p) {
    return root.relativize(p).toString().replace('\\', '/');
  }

  private static String join(String dir, String rel) {
    return dir.isEmpty() ? rel : dir + "/" + rel;
  }
}
