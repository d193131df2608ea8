package dev.lazypull.format;

/**
 * The one place that decides which entry paths are acceptable. A path in the lazy format is
 * relative to the layer root, its components separated by single '/', with no empty, "." or ".."
 * component and no NUL; the root itself is the empty path. Everything read from a tar or a TOC
 * passes through here before it is used, so no name can escape the root.
 */
public final class PathNames {
  public static final String WHITEOUT_PREFIX = ".wh.";
  public static final String OPAQUE_NAME = ".wh..wh..opq";

  /**
   * Normalises a raw tar name ({@code ./usr/bin/}, {@code /etc}, {@code usr//lib}) to the format's
   * form, or throws naming the problem when it would escape the root or contains a NUL.
   */
  public static String normalize(String raw) {
    if (raw == null) {
      throw new IllegalArgumentException("entry path is missing");
    }
    StringBuilder out = new StringBuilder(raw.length());
    for (String part : raw.split("/", -1)) {
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      if (part.equals("..")) {
        throw new IllegalArgumentException("entry path escapes the root with '..': " + quote(raw));
      }
      if (part.indexOf('\0') >= 0) {
        throw new IllegalArgumentException("entry path contains a NUL byte: " + quote(raw));
      }
      if (!out.isEmpty()) {
        out.append('/');
      }
      out.append(part);
    }
    return out.toString();
  }

  /** Throws unless {@code path} is already in normal form (see the class comment). */
  public static String requireNormal(String path) {
    if (path == null) {
      throw new IllegalArgumentException("entry path is missing");
    }
    if (path.isEmpty()) {
      return path;
    }
    int start = 0;
    while (true) {
      int slash = path.indexOf('/', start);
      int end = slash < 0 ? path.length() : slash;
      requireName(path, start, end);
      if (slash < 0) {
        return path;
      }
      start = slash + 1;
    }
  }

  private static void requireName(String path, int start, int end) {
    int len = end - start;
    if (len == 0
        || (len == 1 && path.charAt(start) == '.')
        || (len == 2 && path.charAt(start) == '.' && path.charAt(start + 1) == '.')) {
      throw new IllegalArgumentException("not a normal entry path (empty, '.' or '..' component): " + quote(path));
    }
    for (int i = start; i < end; i++) {
      if (path.charAt(i) == '\0') {
        throw new IllegalArgumentException("entry path contains a NUL byte: " + quote(path));
      }
    }
  }

  /** True when {@code name} is usable as one path component. */
  public static boolean isValidName(String name) {
    return !name.isEmpty() && !name.equals(".") && !name.equals("..") && name.indexOf('/') < 0 && name.indexOf('\0') < 0;
  }

  /** The last component of a normal path ("" for the root). */
  public static String baseName(String path) {
    return path.substring(path.lastIndexOf('/') + 1);
  }

  /** The parent of a normal path ("" for a top-level entry), or null for the root. */
  public static String parent(String path) {
    if (path.isEmpty()) {
      return null;
    }
    int slash = path.lastIndexOf('/');
    return slash < 0 ? "" : path.substring(0, slash);
  }

  static String quote(String s) {
    return '"' + s.replace("\0", "\\0") + '"';
  }

  private PathNames() {}
}
