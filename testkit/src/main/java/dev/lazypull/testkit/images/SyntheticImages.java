package dev.lazypull.testkit.images;

import static dev.lazypull.testkit.images.TestEntry.blockDevice;
import static dev.lazypull.testkit.images.TestEntry.charDevice;
import static dev.lazypull.testkit.images.TestEntry.dir;
import static dev.lazypull.testkit.images.TestEntry.fifo;
import static dev.lazypull.testkit.images.TestEntry.file;
import static dev.lazypull.testkit.images.TestEntry.hardlink;
import static dev.lazypull.testkit.images.TestEntry.opaque;
import static dev.lazypull.testkit.images.TestEntry.symlink;
import static dev.lazypull.testkit.images.TestEntry.whiteout;

import dev.lazypull.testkit.images.TestEntry.Style;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Small images, built in-process, that hold every tar feature real images use, spread over three
 * layers so that whiteouts, opaque directories and hardlinks into lower layers are exercised:
 * PAX long names, large uids, xattrs and sub-second mtimes; GNU long names, long link targets and
 * base-256 ids; ustar prefix names; hardlinks, symlinks (relative, absolute, dangling), character
 * and block devices, fifos; setuid, setgid and sticky bits; empty, small and multi-MiB files.
 *
 * <p>Every directory is an explicit entry with a fixed mtime, so that two extractions of the same
 * image give identical trees.
 */
public final class SyntheticImages {
  /** Tag of the three-layer feature image in layouts written by {@link #write}. */
  public static final String TAG = "synthetic";

  static final String LONG_PAX_DIR = "usr/share/doc/" + "pax-long-directory-name-".repeat(6);
  static final String LONG_GNU_DIR = "opt/" + "gnu-long-directory-name-".repeat(6);
  static final String USTAR_PREFIX_DIR = "usr/share/doc/" + "u".repeat(90);
  private static final long T = 1_700_000_000L;

  /** The layers, bottom first, as uncompressed tars. */
  public static List<byte[]> layers() {
    return List.of(base(), changes(), top());
  }

  /** Writes the feature image into {@code layout} under {@link #TAG}; returns the manifest digest. */
  public static String write(Path layout, TestLayout.Compression compression, TestLayout.Flavor flavor)
      throws IOException {
    return TestLayout.writeImage(layout, TAG,
        layers().stream().map(t -> TestLayout.Layer.of(t, compression, flavor)).toList(), flavor);
  }

  static byte[] base() {
    List<TestEntry> e = new ArrayList<>();
    e.add(file("etc/hosts", "127.0.0.1 localhost\n").mtime(T + 1, 250_000_000));
    e.add(file("etc/motd", "welcome\n"));
    e.add(file("etc/empty", new byte[0]));
    e.add(file("etc/shadow", "root:*:19000:0:99999:7:::\n").mode(0640).owner(0, 42));
    e.add(file("usr/bin/sudo", "#!/bin/sh\necho sudo\n").mode(04755));
    e.add(file("usr/bin/wall", "#!/bin/sh\necho wall\n").mode(02755).owner(0, 5));
    e.add(file("usr/bin/ping", "#!/bin/sh\necho ping\n").mode(0755)
        .xattr("security.capability", new byte[] {1, 0, 0, 2, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
    e.add(file("usr/lib/libfoo.so.1", bytes(40_000, 1)).mtime(T, 123_456_789)
        .xattr("user.mime_type", "application/x-sharedlib".getBytes(StandardCharsets.UTF_8)));
    e.add(hardlink("usr/lib/libfoo-hard.so.1", "usr/lib/libfoo.so.1"));
    e.add(symlink("usr/lib/libfoo.so", "libfoo.so.1"));
    e.add(symlink("etc/localtime", "/usr/share/zoneinfo/Etc/UTC"));
    e.add(symlink("usr/lib/dangling", "../nowhere/at/all"));
    e.add(file("usr/lib/big.bin", bytes(3 << 20, 2)));
    e.add(file(LONG_PAX_DIR + "/README-with-a-name-that-is-long-as-well.txt", "PAX path\n"));
    e.add(file("usr/share/doc/pax-owner", "big ids\n").owner(2_000_000_000L, 2_000_000_001L));
    e.add(file(LONG_GNU_DIR + "/gnu-file", "GNU long name\n").style(Style.GNU));
    e.add(file("opt/gnu-owner", "base-256 ids\n").style(Style.GNU).owner(10_000_000L, 10_000_001L));
    e.add(symlink("opt/gnu-link", "/" + LONG_GNU_DIR + "/gnu-file").style(Style.GNU));
    e.add(file(USTAR_PREFIX_DIR + "/prefixed", "ustar prefix\n").style(Style.USTAR));
    e.add(charDevice("dev/null", 1, 3));
    e.add(charDevice("dev/tty0", 4, 0).mode(0620).owner(0, 5));
    e.add(blockDevice("dev/loop0", 7, 0));
    e.add(fifo("run/initctl").mode(0600));
    e.add(file("var/old/file", "to be whited out\n"));
    e.add(file("var/old/kept", "stays\n"));
    e.add(file("var/old-dir/a", "a\n"));
    e.add(file("var/old-dir/b", "b\n"));
    e.add(file("opaque-dir/x", "hidden by the opaque marker\n"));
    e.add(file("opaque-dir/sub/y", "hidden too\n"));
    for (int i = 0; i < 300; i++) {
      e.add(file("small/f" + i + ".py", "# module " + i + "\nVALUE = " + i * 7 + "\n"));
    }
    // Directories last (see changes()): extracting their children would otherwise change their mtimes.
    for (String d : List.of("etc", "usr", "usr/bin", "usr/lib", "usr/share", "usr/share/doc", LONG_PAX_DIR, "opt",
        LONG_GNU_DIR, "dev", "run", "var", "var/old", "var/old-dir", "opaque-dir", "opaque-dir/sub", "small")) {
      e.add(dir(d).mtime(T, 0));
    }
    e.add(dir(USTAR_PREFIX_DIR).style(Style.USTAR));
    e.add(dir("tmp").mode(01777));
    e.add(dir("srv").mode(02775).owner(0, 50));
    e.add(dir("./").mode(0755));
    return TarWriter.tar(e.toArray(TestEntry[]::new));
  }

  static byte[] changes() {
    // Directory entries come after the changes inside them, so that their mtimes are what the tar
    // says whatever the extracting tool does to a directory it modifies.
    return TarWriter.tar(
        whiteout("var/old/file"),
        whiteout("var/old-dir"),
        opaque("opaque-dir"),
        file("opaque-dir/z", "the only child now\n"),
        file("etc/hosts", "127.0.0.1 localhost\n::1 localhost\n").mtime(T + 100, 999_999_999),
        hardlink("usr/bin/lower-hardlink", "usr/lib/libfoo.so.1"),
        file("usr/bin/new-tool", bytes(70_000, 3)).mode(0755).mtime(T + 100, 1)
            .xattr("user.origin", "layer 2".getBytes(StandardCharsets.UTF_8)),
        dir("var/old").mtime(T + 100, 0),
        dir("var").mtime(T + 100, 0),
        dir("opaque-dir").mtime(T + 100, 0),
        dir("etc").mtime(T + 100, 0),
        dir("usr/bin").mtime(T + 100, 0));
  }

  static byte[] top() {
    return TarWriter.tar(
        dir("tmp").mode(01770).mtime(T + 200, 0),
        symlink("etc/motd", "/run/motd.dynamic"),
        file("etc/app.conf", "answer = 42\n").mtime(T + 200, 5),
        dir("etc").mtime(T + 200, 0));
  }

  /** Deterministic bytes, half compressible text and half random, as binaries are. */
  static byte[] bytes(int size, long seed) {
    byte[] out = new byte[size];
    Random random = new Random(seed);
    byte[] text = "the quick brown fox jumps over the lazy dog 0123456789\n".getBytes(StandardCharsets.US_ASCII);
    for (int i = 0; i < size; i += 4096) {
      int n = Math.min(4096, size - i);
      if ((i / 4096) % 2 == 0) {
        byte[] r = new byte[n];
        random.nextBytes(r);
        System.arraycopy(r, 0, out, i, n);
      } else {
        for (int j = 0; j < n; j++) {
          out[i + j] = text[(j + i) % text.length];
        }
      }
    }
    return out;
  }

  private SyntheticImages() {}
}
