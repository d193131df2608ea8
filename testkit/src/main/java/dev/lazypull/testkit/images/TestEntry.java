package dev.lazypull.testkit.images;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One entry for {@link TarWriter}: what a test wants in a layer, including the header style that
 * carries it, so that tests can exercise every way real tars encode the same metadata.
 *
 * @param typeflag the ustar type byte ('0' file, '1' hardlink, '2' symlink, '3' char, '4' block,
 *     '5' dir, '6' fifo)
 * @param style how names and numbers that do not fit ustar are written
 * @param extraPax further PAX records written verbatim (e.g. LIBARCHIVE.xattr.*)
 */
public record TestEntry(
    String name,
    char typeflag,
    int mode,
    long uid,
    long gid,
    long mtimeSeconds,
    int mtimeNanos,
    String link,
    byte[] data,
    long devMajor,
    long devMinor,
    Map<String, byte[]> xattrs,
    Style style,
    Map<String, byte[]> extraPax) {

  /** How a header is extended when ustar cannot hold a value. */
  public enum Style {
    /** PAX extended header ('x') records (Go's archive/tar, buildkit, umoci). */
    PAX,
    /** GNU 'L'/'K' long-name headers and base-256 numbers (GNU tar's default format). */
    GNU,
    /** Plain ustar; long names split into prefix and name (fails when they do not fit). */
    USTAR
  }

  public TestEntry {
    xattrs = Map.copyOf(xattrs);
    extraPax = Map.copyOf(extraPax);
    data = data == null ? new byte[0] : data;
  }

  private static final long DEFAULT_MTIME = 1_700_000_000L;

  public static TestEntry file(String name, byte[] data) {
    return new TestEntry(name, '0', 0644, 0, 0, DEFAULT_MTIME, 0, "", data, 0, 0, Map.of(), Style.PAX, Map.of());
  }

  public static TestEntry file(String name, String text) {
    return file(name, text.getBytes(StandardCharsets.UTF_8));
  }

  public static TestEntry dir(String name) {
    return new TestEntry(name, '5', 0755, 0, 0, DEFAULT_MTIME, 0, "", null, 0, 0, Map.of(), Style.PAX, Map.of());
  }

  public static TestEntry symlink(String name, String target) {
    return new TestEntry(name, '2', 0777, 0, 0, DEFAULT_MTIME, 0, target, null, 0, 0, Map.of(), Style.PAX, Map.of());
  }

  public static TestEntry hardlink(String name, String target) {
    return new TestEntry(name, '1', 0644, 0, 0, DEFAULT_MTIME, 0, target, null, 0, 0, Map.of(), Style.PAX, Map.of());
  }

  public static TestEntry charDevice(String name, long major, long minor) {
    return new TestEntry(name, '3', 0666, 0, 0, DEFAULT_MTIME, 0, "", null, major, minor, Map.of(), Style.PAX, Map.of());
  }

  public static TestEntry blockDevice(String name, long major, long minor) {
    return new TestEntry(name, '4', 0660, 0, 0, DEFAULT_MTIME, 0, "", null, major, minor, Map.of(), Style.PAX, Map.of());
  }

  public static TestEntry fifo(String name) {
    return new TestEntry(name, '6', 0644, 0, 0, DEFAULT_MTIME, 0, "", null, 0, 0, Map.of(), Style.PAX, Map.of());
  }

  /** {@code .wh.NAME} in {@code dir}: deletes NAME of the layers below. */
  public static TestEntry whiteout(String path) {
    int slash = path.lastIndexOf('/');
    String name = slash < 0 ? ".wh." + path : path.substring(0, slash + 1) + ".wh." + path.substring(slash + 1);
    return file(name, new byte[0]);
  }

  /** Makes {@code dir} opaque: hides everything the layers below have in it. */
  public static TestEntry opaque(String dir) {
    return file(dir + "/.wh..wh..opq", new byte[0]);
  }

  public TestEntry mode(int newMode) {
    return new TestEntry(name, typeflag, newMode, uid, gid, mtimeSeconds, mtimeNanos, link, data, devMajor, devMinor, xattrs, style, extraPax);
  }

  public TestEntry owner(long newUid, long newGid) {
    return new TestEntry(name, typeflag, mode, newUid, newGid, mtimeSeconds, mtimeNanos, link, data, devMajor, devMinor, xattrs, style, extraPax);
  }

  public TestEntry mtime(long seconds, int nanos) {
    return new TestEntry(name, typeflag, mode, uid, gid, seconds, nanos, link, data, devMajor, devMinor, xattrs, style, extraPax);
  }

  public TestEntry xattr(String key, byte[] value) {
    Map<String, byte[]> x = new LinkedHashMap<>(xattrs);
    x.put(key, value);
    return new TestEntry(name, typeflag, mode, uid, gid, mtimeSeconds, mtimeNanos, link, data, devMajor, devMinor, x, style, extraPax);
  }

  public TestEntry style(Style newStyle) {
    return new TestEntry(name, typeflag, mode, uid, gid, mtimeSeconds, mtimeNanos, link, data, devMajor, devMinor, xattrs, newStyle, extraPax);
  }

  public TestEntry pax(String key, byte[] value) {
    Map<String, byte[]> p = new LinkedHashMap<>(extraPax);
    p.put(key, value);
    return new TestEntry(name, typeflag, mode, uid, gid, mtimeSeconds, mtimeNanos, link, data, devMajor, devMinor, xattrs, style, p);
  }
}
