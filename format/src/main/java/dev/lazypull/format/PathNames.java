package dev.lazypull.format;

/**
 * The one place that decides which entry paths are acceptable. A path in the lazy format is
 * relative to the layer root, its components separated by single '/', with no empty, "." or ".."
 * component and no NUL; the root itself is the empty path. A component is at most {@link
 * #MAX_NAME_BYTES} bytes of UTF-8 and a path at most {@link #MAX_PATH_BYTES} (Linux's NAME_MAX and
 * PATH_MAX: no kernel could create or look up longer ones). Everything read from a tar or a TOC
 * passes through here before it is used, so no name can escape the root.
 */
public final class PathNames {
  public static final String WHITEOUT_PREFIX = ".wh.";
  public static final String OPAQUE_NAME = ".wh..wh..opq";
  public static final int MAX_NAME_BYTES = 255;
  public static final int MAX_PATH_BYTES = 4096;
  /** A symlink target: PATH_MAX less the terminating NUL, as symlink(2) takes it. */
  public static final int MAX_LINK_BYTES = 4095;

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
      requireNameLength(raw, part, 0, part.length());
      if (!out.isEmpty()) {
        out.append('/');
      }
      out.append(part);
    }
    return requirePathLength(out.toString());
  }

  /** Throws unless {@code path} is already in normal form (see the class comment). */
  public static String requireNormal(String path) {
    if (path == null) {
      throw new IllegalArgumentException("entry path is missing");
    }
    if (path.isEmpty()) {
      return path;
    }
    requirePathLength(path);
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
    requireNameLength(path, path, start, end);
  }

  private static void requireNameLength(String path, String s, int start, int end) {
    if (end - start > MAX_NAME_BYTES / 3 && utf8Length(s, start, end) > MAX_NAME_BYTES) {
      throw new IllegalArgumentException("entry path has a component longer than " + MAX_NAME_BYTES + " bytes: "
          + quote(path.length() > 300 ? path.substring(0, 300) + "..." : path));
    }
  }

  private static String requirePathLength(String path) {
    if (path.length() > MAX_PATH_BYTES / 3 && utf8Length(path, 0, path.length()) > MAX_PATH_BYTES) {
      throw new IllegalArgumentException("entry path is longer than " + MAX_PATH_BYTES + " bytes: "
          + quote(path.substring(0, 300) + "..."));
    }
    return path;
  }

  /** The UTF-8 length of {@code s[start, end)}; an unpaired surrogate counts 3 (at least what it encodes to). */
  static int utf8Length(String s, int start, int end) {
    int n = 0;
    for (int i = start; i < end; i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        n++;
      } else if (c < 0x800) {
        n += 2;
      } else if (Character.isHighSurrogate(c) && i + 1 < end && Character.isLowSurrogate(s.charAt(i + 1))) {
        n += 4;
        i++;
      } else {
        n += 3;
      }
    }
    return n;
  }

  /** True when {@code name} is usable as one path component. */
  public static boolean isValidName(String name) {
    return !name.isEmpty() && !name.equals(".") && !name.equals("..") && name.indexOf('/') < 0 && name.indexOf('\0') < 0
        && utf8Length(name, 0, name.length()) <= MAX_NAME_BYTES;
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
