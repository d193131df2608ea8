package dev.lazypull.format.merge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.luben.zstd.Zstd;
import dev.lazypull.format.ChunkLocation;
import dev.lazypull.format.EncodedLayer;
import dev.lazypull.format.EntryType;
import dev.lazypull.format.FormatException;
import dev.lazypull.format.IndexBudget;
import dev.lazypull.format.TarEntry;
import dev.lazypull.format.encode.EncoderOptions;
import dev.lazypull.format.testing.TestTar;
import dev.lazypull.format.toc.LayerToc;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class MergedIndexTest {
  private static final EncoderOptions OPTIONS =
      EncoderOptions.defaults().withGrouping(4096, 4096).withChunkSizes(1024, 4096, 16384).withThreads(2);
  private static final byte[] PYTHON = random(1, 50_000);
  private static final byte[] NEW_SH = "#!new shell\n".getBytes(StandardCharsets.UTF_8);

  private final List<byte[]> blobs = new ArrayList<>();
  private final List<LayerToc> tocs = new ArrayList<>();
  private MergedIndex index;

  static byte[] random(long seed, int n) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  @BeforeEach
  void build() throws IOException {
    addLayer(new TestTar().dir("").dir("etc").dir("usr").dir("usr/bin")
        .file("etc/passwd", "root:x:0:0\n".getBytes(StandardCharsets.UTF_8))
        .file("usr/bin/python", PYTHON)
        .hardlink("usr/bin/python3", "usr/bin/python")
        .symlink("usr/bin/py", "python")
        .file("usr/bin/sh", "old".getBytes(StandardCharsets.UTF_8))
        .dir("var").dir("var/cache").file("var/cache/old1", new byte[3]).dir("var/cache/sub")
        .file("var/cache/sub/old2", new byte[4])
        .add(new TarEntry("dev/null", EntryType.CHAR_DEVICE, 0666, 0, 0, 0, 7, 0, null, 1, 3, Map.of()), new byte[0])
        .file("implicit/a/b/c", new byte[] {42}));
    addLayer(new TestTar()
        .file("etc/.wh.passwd", new byte[0])
        .file("etc/group", "root:x:0:\n".getBytes(StandardCharsets.UTF_8))
        .file("var/cache/.wh..wh..opq", new byte[0])
        .file("var/cache/new", new byte[5])
        .hardlink("usr/bin/python-link", "usr/bin/python")
        .file("usr/bin/sh", NEW_SH)
        .add(new TarEntry("etc", EntryType.DIR, 0700, 5, 6, 0, 99, 0, null, 0, 0,
            Map.of("user.k", "v".getBytes(StandardCharsets.UTF_8))), new byte[0]));
    addLayer(new TestTar().file("usr/bin/python3", "shim".getBytes(StandardCharsets.UTF_8)));
    index = MergedIndex.of(tocs);
  }

  private void addLayer(TestTar tar) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    EncodedLayer layer = tar.encode(OPTIONS, out);
    byte[] blob = out.toByteArray();
    blobs.add(blob);
    tocs.add(LayerToc.read(Arrays.copyOfRange(blob, (int) layer.toc().offset(), blob.length), layer.descriptor(),
        layer.toc(), IndexBudget.unlimited()));
  }

  /** Reads file bytes the way the snapshotter does: the chunks of the range, each frame decoded alone. */
  private byte[] read(long ino, long offset, int length) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    long start = index.dataOffset(ino) + offset;
    long end = index.dataOffset(ino) + Math.min(index.size(ino), offset + length);
    for (ChunkLocation c : index.chunks(ino, offset, length)) {
      byte[] blob = blobs.get(tocs.stream().map(LayerToc::layer).toList().indexOf(c.layer()));
      byte[] frame = Zstd.decompress(Arrays.copyOfRange(blob, (int) c.compressedOffset(),
          (int) c.compressedOffset() + c.compressedLength()), c.uncompressedLength());
      int from = (int) Math.max(0, start - c.uncompressedOffset());
      int to = (int) Math.min(frame.length, end - c.uncompressedOffset());
      out.write(frame, from, to - from);
    }
    return out.toByteArray();
  }

  @Test
  void whiteoutsAndOpaqueDirectoriesHideLowerLayers() {
    assertThat(index.lookupPath("etc/passwd")).isEqualTo(-1);
    assertThat(index.lookupPath("etc/group")).isPositive();
    assertThat(index.lookupPath("etc/.wh.passwd")).isEqualTo(-1);
    long cache = index.lookupPath("var/cache");
    assertThat(index.childCount(cache)).isEqualTo(1);
    assertThat(new String(index.childName(cache, 0), StandardCharsets.UTF_8)).isEqualTo("new");
    assertThat(index.lookupPath("var/cache/sub/old2")).isEqualTo(-1);
  }

  @Test
  void hardlinksShareAnInodeAcrossLayersWithTheRightLinkCount() {
    long python = index.lookupPath("usr/bin/python");
    assertThat(index.lookupPath("usr/bin/python-link")).isEqualTo(python);
    assertThat(index.nlink(python)).isEqualTo(2);
    long shim = index.lookupPath("usr/bin/python3");
    assertThat(shim).isNotEqualTo(python);
    assertThat(index.nlink(shim)).isEqualTo(1);
    assertThat(read(shim, 0, 100)).isEqualTo("shim".getBytes(StandardCharsets.UTF_8));
    assertThat(read(python, 0, PYTHON.length)).isEqualTo(PYTHON);
    assertThat(read(python, 12_345, 20_000)).isEqualTo(Arrays.copyOfRange(PYTHON, 12_345, 32_345));
    assertThat(index.chunks(python, PYTHON.length, 10)).isEmpty();
    assertThat(index.chunks(python, 0, PYTHON.length)).hasSizeGreaterThan(2);
  }

  @Test
  void upperLayerFilesReplaceLowerOnesAndDirectoriesKeepChildren() {
    long sh = index.lookupPath("usr/bin/sh");
    assertThat(index.layerOf(sh)).isEqualTo(1);
    assertThat(read(sh, 0, 4096)).isEqualTo(NEW_SH);
    long etc = index.lookupPath("etc");
    assertThat(index.mode(etc)).isEqualTo(0700);
    assertThat(index.stMode(etc)).isEqualTo(040700);
    assertThat(index.uid(etc)).isEqualTo(5);
    assertThat(index.gid(etc)).isEqualTo(6);
    assertThat(index.xattrs(etc)).containsOnlyKeys("user.k");
    assertThat(index.lookupPath("usr/bin/py")).isPositive();
  }

  @Test
  void attributesOfSymlinksDevicesAndImplicitDirectories() {
    long py = index.lookupPath("usr/bin/py");
    assertThat(index.type(py)).isEqualTo(EntryType.SYMLINK);
    assertThat(index.readlink(py)).isEqualTo("python".getBytes(StandardCharsets.UTF_8));
    assertThat(index.size(py)).isEqualTo(6);
    long dev = index.lookupPath("dev/null");
    assertThat(index.stMode(dev)).isEqualTo(020666);
    assertThat(index.devMajor(dev)).isEqualTo(1);
    assertThat(index.devMinor(dev)).isEqualTo(3);
    assertThat(index.rdev(dev)).isEqualTo(0x103); // makedev(1, 3), as stat(1) shows /dev/null
    byte[] buffer = "xxnullyy".getBytes(StandardCharsets.UTF_8);
    assertThat(index.lookup(index.lookupPath("dev"), buffer, 2, 4)).isEqualTo(dev);
    long b = index.lookupPath("implicit/a/b");
    assertThat(index.type(b)).isEqualTo(EntryType.DIR);
    assertThat(index.mode(b)).isEqualTo(0755);
    assertThat(index.parent(b)).isEqualTo(index.lookupPath("implicit/a"));
    assertThat(index.parent(MergedIndex.ROOT)).isEqualTo(MergedIndex.ROOT);
    assertThat(index.parent(index.lookupPath("implicit/a/b/c"))).isEqualTo(-1);
  }

  @Test
  void childrenAreSortedAndLookupAgreesWithThem() {
    for (long dir = 1; dir <= index.maxInode(); dir++) {
      if (index.type(dir) != EntryType.DIR) {
        assertThat(index.childCount(dir)).isZero();
        continue;
      }
      int subdirs = 0;
      byte[] previous = null;
      for (int i = 0; i < index.childCount(dir); i++) {
        byte[] name = index.childName(dir, i);
        if (previous != null) {
          assertThat(Arrays.compareUnsigned(previous, name)).isNegative();
        }
        assertThat(index.lookup(dir, name)).isEqualTo(index.childInode(dir, i));
        if (index.type(index.childInode(dir, i)) == EntryType.DIR) {
          subdirs++;
          assertThat(index.parent(index.childInode(dir, i))).isEqualTo(dir);
        }
        previous = name;
      }
      assertThat(index.nlink(dir)).isEqualTo(2 + subdirs);
    }
    assertThat(index.lookup(MergedIndex.ROOT, "nope")).isEqualTo(-1);
    assertThat(index.lookup(index.lookupPath("etc/group"), "x")).isEqualTo(-1);
  }

  @Test
  void inodeNumbersAreStable() throws FormatException {
    MergedIndex again = MergedIndex.of(tocs);
    for (String path : List.of("usr/bin/python", "etc/group", "var/cache/new", "implicit/a/b/c", "dev/null")) {
      assertThat(again.lookupPath(path)).isEqualTo(index.lookupPath(path));
    }
    assertThat(again.maxInode()).isEqualTo(index.maxInode());
  }

  @Test
  void aHardlinkToAMissingTargetIsAnError() throws IOException {
    tocs.clear();
    addLayer(new TestTar().hardlink("a", "missing/file"));
    assertThatThrownBy(() -> MergedIndex.of(tocs))
        .isInstanceOf(FormatException.class)
        .hasMessageContaining("hardlink a names a missing target missing/file");
  }

  @Test
  void anEntryBelowANonDirectoryIsAnError() throws IOException {
    tocs.clear();
    addLayer(new TestTar().file("f", new byte[1]).file("f/g", new byte[1]));
    assertThatThrownBy(() -> MergedIndex.of(tocs)).hasMessageContaining("entry f/g lies below f, which is a FILE");
  }
}
