package dev.lazypull.builder.tar;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * One tar entry's metadata after PAX, GNU and ustar headers have been merged.
 *
 * @param path normalised path relative to the layer root: no leading {@code /} or {@code ./}, no
 *     trailing {@code /}, no {@code .} or {@code ..} components; the root itself is {@code ""}
 * @param mode permission bits including setuid, setgid and sticky ({@code 07777} at most)
 * @param size bytes of file data; 0 for every type but {@link EntryType#FILE}
 * @param mtimeNanos sub-second part of the mtime, 0 unless a PAX header gave one
 * @param linkTarget symlink target as written, or the normalised hardlink target; "" otherwise
 * @param xattrs extended attributes by full name ({@code user.foo}, {@code security.capability}),
 *     sorted by name
 */
public record TarHeader(
    String path,
    EntryType type,
    int mode,
    long uid,
    long gid,
    String uname,
    String gname,
    long size,
    long mtimeSeconds,
    int mtimeNanos,
    String linkTarget,
    long devMajor,
    long devMinor,
    Map<String, byte[]> xattrs) {

  /** Prefix that marks a whiteout: {@code .wh.NAME} deletes NAME of the lower layers. */
  public static final String WHITEOUT_PREFIX = ".wh.";

  /** Name of the marker that makes its directory opaque (hides the lower layers' contents). */
  public static final String OPAQUE_MARKER = ".wh..wh..opq";

  public TarHeader {
    xattrs = Collections.unmodifiableMap(new TreeMap<>(xattrs));
  }

  /** The last path component. */
  public String fileName() {
    return path.substring(path.lastIndexOf('/') + 1);
  }

  /** The parent directory's path ({@code ""} for entries at the root). */
  public String parent() {
    int slash = path.lastIndexOf('/');
    return slash < 0 ? "" : path.substring(0, slash);
  }

  /** True for both kinds of whiteout: {@code .wh.NAME} and the opaque marker. */
  public boolean isWhiteout() {
    return fileName().startsWith(WHITEOUT_PREFIX);
  }

  public boolean isOpaqueMarker() {
    return fileName().equals(OPAQUE_MARKER);
  }

  /** The path a {@code .wh.NAME} whiteout deletes; only for whiteouts that are not opaque markers. */
  public String whiteoutTarget() {
    if (!isWhiteout() || isOpaqueMarker()) {
      throw new IllegalStateException(path + " is not a plain whiteout");
    }
    String name = fileName().substring(WHITEOUT_PREFIX.length());
    String parent = parent();
    return parent.isEmpty() ? name : parent + "/" + name;
  }
}
