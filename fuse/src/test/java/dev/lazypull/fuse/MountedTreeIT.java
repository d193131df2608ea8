package dev.lazypull.fuse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lazypull.fuse.sys.MountTable;
import dev.lazypull.fuse.testfs.DiskTree;
import dev.lazypull.fuse.testfs.MemoryFileSystem;
import dev.lazypull.fuse.testfs.Syscalls;
import dev.lazypull.fuse.testfs.TestTree;
import dev.lazypull.fuse.testfs.TreeComparison;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The test tree served from memory through a real FUSE mount, compared with the same tree laid out
 * on a tmpfs by the standard tools.
 */
class MountedTreeIT {
  private static Path tmpfs;
  private static Path mountDir;
  private static MemoryFileSystem fs;
  private static FuseMount mount;

  @BeforeAll
  static void mountTree() throws Exception {
    tmpfs = Files.createTempDirectory(Path.of("/dev/shm"), "lazypull-fuse-expected-");
    TestTree.build(new DiskTree(tmpfs));
    Files.setAttribute(tmpfs, "unix:mode", 040755);
    Files.setLastModifiedTime(tmpfs, java.nio.file.attribute.FileTime.from(java.time.Instant.ofEpochSecond(TestTree.T)));
    fs = new MemoryFileSystem(0755, TestTree.T);
    TestTree.build(fs);
    mountDir = Files.createTempDirectory("lazypull-fuse-mnt-");
    // Directory caching off, so that every resumed listing reaches the file system's offsets.
    mount = FuseMount.mount(mountDir, fs, MountOptions.defaults().withCacheDirs(false).withDevices(true));
  }

  @AfterAll
  static void unmount() throws IOException {
    if (mount != null) {
      mount.close();
      assertThat(MountTable.at(mountDir)).as("mount left behind").isEmpty();
      assertThat(fs.destroyed).isTrue();
      Files.delete(mountDir);
    }
    if (tmpfs != null) {
      try (Stream<Path> s = Files.walk(tmpfs)) {
        for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
    assertThat(fs.errors).isEmpty();
  }

  @Test
  void negotiatesOneMebibyteReadsReaddirplusAndPassthrough() {
    Negotiated n = mount.negotiated();
    assertThat(n.maxRead()).isEqualTo(1 << 20);
    assertThat(n.readdirplus()).isTrue();
    assertThat(n.asyncRead()).isTrue();
    assertThat(n.parallelDirops()).isTrue();
    assertThat(n.passthrough()).as("kernel %d.%d offers passthrough", 7, n.kernelMinor()).isTrue();
    assertThat(MountTable.at(mountDir)).get().extracting(MountTable.Mount::type).isEqualTo("fuse.lazypull");
  }

  @Test
  void mountedTreeEqualsTheTreeOnTmpfs() throws IOException {
    List<String> diffs = new TreeComparison(Set.of(Path.of("data/huge"))).differences(tmpfs, mountDir);
    assertThat(diffs).isEmpty();
  }

  @Test
  void lsListsTheBigDirectoryLikeTmpfs() throws Exception {
    List<String> expected = ls(tmpfs.resolve("big"));
    List<String> actual = ls(mountDir.resolve("big"));
    assertThat(actual).hasSize(TestTree.BIG_DIR_ENTRIES + 2).containsExactlyInAnyOrderElementsOf(expected);
  }

  private static List<String> ls(Path dir) throws Exception {
    Process p = new ProcessBuilder("ls", "-f", dir.toString()).start();
    List<String> lines = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
    assertThat(p.waitFor()).isZero();
    return lines;
  }

  @Test
  void readdirResumesAtEveryOffset() throws Throwable {
    Path big = mountDir.resolve("big");
    List<Syscalls.Dirent> all;
    try (Syscalls.Dir dir = new Syscalls.Dir(big)) {
      all = dir.readAll();
    }
    assertThat(all).hasSize(TestTree.BIG_DIR_ENTRIES + 2);
    try (Syscalls.Dir dir = new Syscalls.Dir(big)) {
      for (int i = 0; i < all.size(); i++) {
        dir.seek(i == 0 ? 0 : all.get(i - 1).nextOffset());
        int reclen = (19 + all.get(i).name().getBytes(StandardCharsets.UTF_8).length + 1 + 7) & ~7;
        List<Syscalls.Dirent> next = dir.read(reclen); // room for exactly this entry
        assertThat(next).as("entry after offset index %d", i).hasSize(1);
        assertThat(next.getFirst()).isEqualTo(all.get(i));
      }
      dir.seek(all.getLast().nextOffset());
      assertThat(dir.read(4096)).isEmpty();
    }
  }

  @Test
  void readsBeyondFourGibibytes() throws IOException {
    Path expected = tmpfs.resolve("data/huge");
    Path actual = mountDir.resolve("data/huge");
    assertThat(Files.size(actual)).isEqualTo(TestTree.HUGE_SIZE).isEqualTo(Files.size(expected));
    List<long[]> ranges = new ArrayList<>(List.of(
        new long[] {0, 70_000},
        new long[] {(4L << 30) - 2000, 3 << 20},
        new long[] {(4L << 30) + (700L << 20), 200_000},
        new long[] {TestTree.HUGE_SIZE - (1 << 20), 1 << 20}));
    Random random = new Random(7);
    for (int i = 0; i < 20; i++) {
      ranges.add(new long[] {(4L << 30) + (long) (random.nextDouble() * (TestTree.HUGE_SIZE - (4L << 30) - 10_000)),
          1 + random.nextInt(9000)});
    }
    try (FileChannel e = FileChannel.open(expected); FileChannel a = FileChannel.open(actual)) {
      for (long[] r : ranges) {
        assertThat(read(a, r[0], (int) r[1])).as("bytes at %d", r[0]).isEqualTo(read(e, r[0], (int) r[1]));
      }
      assertThat(a.read(ByteBuffer.allocate(10), TestTree.HUGE_SIZE)).isEqualTo(-1);
    }
  }

  private static byte[] read(FileChannel ch, long offset, int size) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(size);
    while (b.hasRemaining() && ch.read(b, offset + b.position()) > 0) {
      // loop until full
    }
    return b.array();
  }

  @Test
  void everyWriteFailsWithErofs() {
    Path etc = mountDir.resolve("etc");
    List<ThrowingAction> writes = List.of(
        () -> Files.writeString(etc.resolve("hostname"), "x"),
        () -> Files.newOutputStream(etc.resolve("hostname"), StandardOpenOption.APPEND).close(),
        () -> Files.createFile(etc.resolve("new")),
        () -> Files.createDirectory(etc.resolve("newdir")),
        () -> Files.delete(etc.resolve("passwd")),
        () -> Files.move(etc.resolve("passwd"), etc.resolve("moved")),
        () -> Files.createLink(etc.resolve("link"), etc.resolve("passwd")),
        () -> Files.createSymbolicLink(etc.resolve("sym"), Path.of("x")),
        () -> Files.setAttribute(etc.resolve("passwd"), "unix:mode", 0100600),
        () -> Files.setLastModifiedTime(etc.resolve("passwd"), java.nio.file.attribute.FileTime.fromMillis(0)),
        () -> Files.getFileAttributeView(mountDir.resolve("xattrs"), UserDefinedFileAttributeView.class)
            .write("new", ByteBuffer.wrap(new byte[1])),
        () -> Files.getFileAttributeView(mountDir.resolve("xattrs"), UserDefinedFileAttributeView.class)
            .delete("mime_type"));
    for (ThrowingAction w : writes) {
      assertThatThrownBy(w::run).isInstanceOf(FileSystemException.class)
          .satisfies(e -> assertThat(((FileSystemException) e).getReason()).contains("Read-only file system"));
    }
  }

  private interface ThrowingAction {
    void run() throws Exception;
  }

  @Test
  void xattrSizeProbingAndErange() throws Throwable {
    Path x = mountDir.resolve("xattrs");
    assertThat(Syscalls.lgetxattr(x, "user.binary", 0)).isEqualTo(300);
    assertThat(Syscalls.lgetxattr(x, "user.binary", 299)).isEqualTo(-34); // ERANGE
    assertThat(Syscalls.lgetxattr(x, "user.binary", 300)).isEqualTo(300);
    assertThat(Syscalls.lgetxattr(x, "user.empty", 0)).isZero();
    assertThat(Syscalls.lgetxattr(x, "user.absent", 10)).isEqualTo(-61); // ENODATA
  }

  @Test
  void statfsReportsTheFileSystem() throws IOException {
    var store = Files.getFileStore(mountDir);
    assertThat(store.type()).isEqualTo("fuse.lazypull");
    assertThat(store.isReadOnly()).isTrue();
    assertThat(store.getTotalSpace()).isEqualTo(1000L * 4096);
  }
}
