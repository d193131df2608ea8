package dev.lazypull.format;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * One tar entry's metadata as the lazy format records it. {@code path} is in normal form (see
 * {@link PathNames}; use {@link PathNames#normalize} on raw tar names); for {@link
 * EntryType#HARDLINK} {@code linkName} is the normal path of the link target, for {@link
 * EntryType#SYMLINK} the raw symlink target. {@code mode} holds the permission bits including
 * setuid/setgid/sticky ({@code 07777}), never the file type. {@code size} is the number of content
 * bytes (0 for anything but files). xattrs are kept sorted by name so that the TOC is reproducible.
 *
 * <p>The type passed by a tar reader is what the tar says ({@code FILE} for a {@code .wh.} file);
 * {@link #classified()} turns whiteout files into {@code WHITEOUT}/{@code OPAQUE} entries.
 */
public record TarEntry(
    String path,
    EntryType type,
    int mode,
    long uid,
    long gid,
    long size,
    long mtimeSeconds,
    int mtimeNanos,
    String linkName,
    int devMajor,
    int devMinor,
    Map<String, byte[]> xattrs) {

  public static final long MAX_ID = 0xFFFF_FFFFL;
  /** Linux's XATTR_NAME_MAX and XATTR_SIZE_MAX: no file system can hold larger ones. */
  public static final int MAX_XATTR_NAME_BYTES = 255;
  public static final int MAX_XATTR_VALUE_BYTES = 65536;

  public TarEntry {
    PathNames.requireNormal(path);
    if (type == null) {
      throw new IllegalArgumentException("entry " + PathNames.quote(path) + " has no type");
    }
    if ((mode & ~07777) != 0) {
      throw new IllegalArgumentException(
          "entry " + PathNames.quote(path) + ": mode " + Integer.toOctalString(mode) + " has bits outside 07777");
    }
    if (uid < 0 || uid > MAX_ID || gid < 0 || gid > MAX_ID) {
      throw new IllegalArgumentException("entry " + PathNames.quote(path) + ": uid/gid out of range: " + uid + "/" + gid);
    }
    if (size < 0 || (size > 0 && type != EntryType.FILE)) {
      throw new IllegalArgumentException("entry " + PathNames.quote(path) + ": size " + size + " for a " + type);
    }
    if (mtimeNanos < 0 || mtimeNanos > 999_999_999) {
      throw new IllegalArgumentException("entry " + PathNames.quote(path) + ": mtime nanoseconds " + mtimeNanos);
    }
    if (devMajor < 0 || devMinor < 0) {
      throw new IllegalArgumentException("entry " + PathNames.quote(path) + ": negative device number");
    }
    boolean needsLink = type == EntryType.SYMLINK || type == EntryType.HARDLINK;
    if (needsLink && (linkName == null || linkName.isEmpty())) {
      throw new IllegalArgumentException("entry " + PathNames.quote(path) + ": " + type + " without a link target");
    }
    if (!needsLink) {
      linkName = null;
    } else if (linkName.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("entry " + PathNames.quote(path) + ": link target contains a NUL byte");
    } else if (type == EntryType.HARDLINK) {
      PathNames.requireNormal(linkName);
    } else if (PathNames.utf8Length(linkName, 0, linkName.length()) > PathNames.MAX_LINK_BYTES) {
      throw new IllegalArgumentException("entry " + PathNames.quote(path) + ": symlink target longer than "
          + PathNames.MAX_LINK_BYTES + " bytes");
    }
    TreeMap<String, byte[]> sorted = new TreeMap<>();
    if (xattrs != null) {
      xattrs.forEach((k, v) -> {
        if (k == null || k.isEmpty() || k.indexOf('\0') >= 0 || v == null
            || PathNames.utf8Length(k, 0, k.length()) > MAX_XATTR_NAME_BYTES || v.length > MAX_XATTR_VALUE_BYTES) {
          throw new IllegalArgumentException("entry " + PathNames.quote(path) + ": bad xattr " + k);
        }
        sorted.put(k, v.clone());
      });
    }
    xattrs = Collections.unmodifiableMap(sorted);
  }

  /** A file, directory or fifo without link target, device numbers or xattrs. */
  public static TarEntry of(String path, EntryType type, int mode, long size) {
    return new TarEntry(path, type, mode, 0, 0, size, 0, 0, null, 0, 0, Map.of());
  }

  /**
   * This entry with whiteout files turned into {@link EntryType#WHITEOUT} (path kept, e.g. {@code
   * dir/.wh.foo}) or {@link EntryType#OPAQUE} ({@code dir/.wh..wh..opq}); any other entry unchanged.
   */
  public TarEntry classified() {
    String base = PathNames.baseName(path);
    if (type == EntryType.WHITEOUT || type == EntryType.OPAQUE || !base.startsWith(PathNames.WHITEOUT_PREFIX)) {
      return this;
    }
    EntryType t = base.equals(PathNames.OPAQUE_NAME) ? EntryType.OPAQUE : EntryType.WHITEOUT;
    String hidden = base.substring(PathNames.WHITEOUT_PREFIX.length());
    if (t == EntryType.WHITEOUT && !PathNames.isValidName(hidden)) {
      throw new IllegalArgumentException("whiteout " + PathNames.quote(path) + " names no file it could hide");
    }
    return new TarEntry(path, t, mode, uid, gid, 0, mtimeSeconds, mtimeNanos, null, 0, 0, xattrs);
  }

  /** For a WHITEOUT, the path it hides; for an OPAQUE marker, the directory it makes opaque. */
  public String whiteoutTarget() {
    String parent = PathNames.parent(path);
    return switch (type) {
      case WHITEOUT -> {
        String hidden = PathNames.baseName(path).substring(PathNames.WHITEOUT_PREFIX.length());
        yield parent.isEmpty() ? hidden : parent + "/" + hidden;
      }
      case OPAQUE -> parent;
      default -> throw new IllegalStateException(path + " is not a whiteout");
    };
  }
}
