package dev.lazypull.fuse.testfs;

import dev.lazypull.fuse.Attr;
import dev.lazypull.fuse.FileType;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Random;

/** The tree the integration tests mount: every entry type, odd modes, xattrs, a big directory, a file over 4 GiB. */
public final class TestTree {
  public static final int BIG_DIR_ENTRIES = 20_000;
  public static final long HUGE_SIZE = (5L << 30) + 12_345;
  public static final long T = 1_700_000_000L;

  private TestTree() {
  }

  /** Deterministic pseudo-random bytes. */
  public static byte[] bytes(long seed, int size) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  public static Content huge() {
    return new Content.Sparse(HUGE_SIZE, Map.of(
        0L, bytes(1, 65_536),
        (4L << 30) - 1000, bytes(2, 3 << 20),      // straddles 4 GiB
        (4L << 30) + (700L << 20) + 17, bytes(3, 100_000),
        HUGE_SIZE - 5000, bytes(4, 5000)));         // the last bytes
  }

  public static <N> void build(TreeBuilder<N> b) throws Exception {
    N root = b.root();
    N etc = b.dir(root, "etc", 0755, 0, 0, T, 123_456_789);
    b.file(etc, "hostname", 0644, 0, 0, T + 1, 5, Content.of("lazypull\n".getBytes(StandardCharsets.UTF_8)));
    N passwd = b.file(etc, "passwd", 0644, 0, 0, T + 2, 0, Content.of(bytes(10, 1234)));
    b.hardlink(etc, "passwd-", passwd);
    N bin = b.dir(root, "bin", 0755, 0, 0, T, 0);
    N sudo = b.file(bin, "sudo", 04755, 0, 0, T, 999_999_999, Content.of(bytes(11, 200_000)));
    b.file(bin, "wall", 02755, 0, 5, T, 1, Content.of(bytes(12, 4096)));
    b.hardlink(bin, "sudoedit", sudo);
    b.hardlink(root, "sudo-link", sudo);
    b.symlink(bin, "sh", "dash", 0, 0, T, 0);
    b.symlink(root, "abs", "/etc/hostname", 1000, 1000, T, 0);
    b.symlink(root, "dangling", "../nowhere/at/all", 0, 0, T, 0);
    N tmp = b.dir(root, "tmp", 01777, 0, 0, T, 0);
    b.file(tmp, "empty", 0600, 1000, 100, T, 0, Content.of(new byte[0]));
    b.file(tmp, "üñí çødé name", 0444, 1234, 5678, T - 86_400 * 365 * 30L, 0, Content.of(new byte[] {1, 2, 3}));
    N dev = b.dir(root, "dev", 0755, 0, 0, T, 0);
    b.special(dev, "null", FileType.CHARACTER_DEVICE, 0666, Attr.makedev(1, 3), T, 0);
    b.special(dev, "sda", FileType.BLOCK_DEVICE, 0660, Attr.makedev(8, 0), T, 0);
    b.special(dev, "big-minor", FileType.CHARACTER_DEVICE, 0600, Attr.makedev(250, 70_000), T, 0);
    b.special(dev, "fifo", FileType.FIFO, 0644, 0, T, 0);
    N x = b.file(root, "xattrs", 0640, 0, 0, T, 0, Content.of(new byte[] {42}));
    b.xattr(x, "mime_type", "text/plain".getBytes(StandardCharsets.UTF_8));
    b.xattr(x, "empty", new byte[0]);
    b.xattr(x, "binary", bytes(13, 300));
    b.xattr(etc, "dir.attr", "on a directory".getBytes(StandardCharsets.UTF_8));
    N data = b.dir(root, "data", 0700, 1000, 1000, T, 0);
    b.file(data, "exactly-1MiB", 0644, 0, 0, T, 0, Content.of(bytes(14, 1 << 20)));
    b.file(data, "odd-size", 0644, 0, 0, T, 0, Content.of(bytes(15, 3 * (1 << 20) + 7)));
    b.file(data, "huge", 0644, 0, 0, T, 0, huge());
    N big = b.dir(root, "big", 0755, 0, 0, T, 0);
    for (int i = 0; i < BIG_DIR_ENTRIES; i++) {
      b.file(big, "entry-" + i, 0644, 0, 0, T, 0, Content.of(new byte[i % 3]));
    }
    b.finish();
  }
}
