package dev.lazypull.format.encode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdInputStream;
import dev.lazypull.format.EncodedLayer;
import dev.lazypull.format.EntryType;
import dev.lazypull.format.IndexBudget;
import dev.lazypull.format.LazyAnnotations;
import dev.lazypull.format.TarEntry;
import dev.lazypull.format.testing.TestTar;
import dev.lazypull.format.toc.FrameTable;
import dev.lazypull.format.toc.LayerToc;
import dev.lazypull.oci.Digest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LayerEncoderTest {
  private static final EncoderOptions SMALL =
      EncoderOptions.defaults().withGrouping(8192, 8192).withChunkSizes(1024, 4096, 16384).withThreads(2);

  static byte[] random(long seed, int n) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  static TestTar sample() {
    TestTar tar = new TestTar().dir("").dir("etc").file("etc/hostname", "box\n".getBytes(StandardCharsets.UTF_8));
    for (int i = 0; i < 40; i++) {
      tar.file("lib/python/mod" + i + ".py", ("print(" + i + ")\n").repeat(i * 7 + 1).getBytes(StandardCharsets.UTF_8));
    }
    tar.file("usr/bin/big", random(1, 100_000))
        .file("usr/bin/exactly-threshold", random(2, 8192))
        .symlink("usr/bin/link", "big")
        .hardlink("usr/bin/hard", "usr/bin/big")
        .file("empty", new byte[0])
        .file("etc/.wh.removed", new byte[0])
        .file("var/.wh..wh..opq", new byte[0])
        .add(new TarEntry("dev/null", EntryType.CHAR_DEVICE, 0666, 0, 0, 0, 5, 0, null, 1, 3, Map.of()), new byte[0])
        .add(new TarEntry("fifo", EntryType.FIFO, 0600, 1000, 1000, 0, 5, 123, null, 0, 0, Map.of()), new byte[0])
        .add(new TarEntry("caps", EntryType.FILE, 04755, 0, 0, 3, 5, 999_999_999, null, 0, 0,
            Map.of("security.capability", new byte[] {1, 0, 0, 2}, "user.x", "y".getBytes(StandardCharsets.UTF_8))),
            new byte[] {1, 2, 3})
        .file("d/" + "long-name-".repeat(20), random(3, 700));
    return tar;
  }

  @Test
  void blobDecompressesToTheExactTarAndDigestsMatch() throws IOException {
    TestTar tar = sample();
    ByteArrayOutputStream blob = new ByteArrayOutputStream();
    EncodedLayer layer = tar.encode(SMALL, blob);
    byte[] b = blob.toByteArray();
    byte[] input = tar.bytes();

    try (ZstdInputStream in = new ZstdInputStream(new ByteArrayInputStream(b))) {
      assertThat(in.readAllBytes()).isEqualTo(input);
    }
    assertThat(layer.diffId()).isEqualTo(Digest.sha256(input));
    assertThat(layer.digest()).isEqualTo(Digest.sha256(b));
    assertThat(layer.compressedSize()).isEqualTo(b.length);
    assertThat(layer.uncompressedSize()).isEqualTo(input.length);
    assertThat(layer.entryCount()).isEqualTo(tar.parts().size());
    assertThat(layer.toc().offset() + layer.toc().length()).isEqualTo(b.length);
    assertThat(LazyAnnotations.tocPointer(layer.annotations())).contains(layer.toc());
    assertThat(layer.descriptor().mediaType()).isEqualTo("application/vnd.oci.image.layer.v1.tar+zstd");
    assertThat(LazyAnnotations.tocPointer(layer.descriptor().annotations())).contains(layer.toc());
    // containerd passes a snapshotter only the annotations under containerd.io/snapshot/
    Map<String, String> passedOn = new java.util.HashMap<>();
    layer.annotations().forEach((k, v) -> {
      if (k.startsWith(LazyAnnotations.SNAPSHOT_LABEL_PREFIX)) {
        passedOn.put(k, v);
      }
    });
    assertThat(LazyAnnotations.tocPointerOfSnapshotLabels(passedOn)).contains(layer.toc());
    assertThat(LazyAnnotations.tocPointer(passedOn)).isEmpty();
    assertThat(layer.descriptor().size()).isEqualTo(b.length);
  }

  @Test
  void zstdCommandLineDecompressesTheBlob(@TempDir Path dir) throws Exception {
    TestTar tar = sample();
    ByteArrayOutputStream blob = new ByteArrayOutputStream();
    tar.encode(SMALL, blob);
    Path file = dir.resolve("layer.tar.zst");
    Files.write(file, blob.toByteArray());
    Process p = new ProcessBuilder("zstd", "-dc", file.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    byte[] out = p.getInputStream().readAllBytes();
    assertThat(p.waitFor()).isZero();
    assertThat(out).isEqualTo(tar.bytes());
  }

  @Test
  void everyFrameDecodesAloneToItsDigestAndTheTocDescribesTheTar() throws IOException {
    TestTar tar = sample();
    ByteArrayOutputStream blob = new ByteArrayOutputStream();
    EncodedLayer layer = tar.encode(SMALL, blob);
    byte[] b = blob.toByteArray();
    byte[] input = tar.bytes();
    LayerToc toc = readToc(layer, b);
    FrameTable frames = toc.frames();

    assertThat(frames.size()).isEqualTo(layer.frameCount()).isGreaterThan(5);
    assertThat(frames.compressedSize()).isEqualTo(layer.toc().offset());
    assertThat(frames.uncompressedSize()).isEqualTo(input.length);
    for (int i = 0; i < frames.size(); i++) {
      byte[] frame = Arrays.copyOfRange(b, (int) frames.compressedOffset(i), (int) frames.compressedOffset(i) + frames.compressedLength(i));
      byte[] plain = Zstd.decompress(frame, frames.uncompressedLength(i));
      assertThat(Digest.sha256(plain)).isEqualTo(frames.digest(i));
      assertThat(plain).isEqualTo(Arrays.copyOfRange(input, (int) frames.uncompressedOffset(i),
          (int) frames.uncompressedOffset(i + 1)));
      assertThat(frames.uncompressedLength(i)).isLessThanOrEqualTo(16384);
    }
    assertThat(toc.entryCount()).isEqualTo(tar.parts().size());
    for (int i = 0; i < toc.entryCount(); i++) {
      TarEntry expected = tar.parts().get(i).entry().classified();
      assertThat(toc.entry(i)).usingRecursiveComparison().isEqualTo(expected);
      if (expected.type() == EntryType.FILE) {
        byte[] content = Arrays.copyOf(tar.parts().get(i).data(), (int) expected.size());
        int off = (int) toc.dataOffset(i);
        assertThat(Arrays.copyOfRange(input, off, off + content.length)).isEqualTo(content);
      } else {
        assertThat(toc.dataOffset(i)).isEqualTo(-1);
      }
    }
    assertThat(toc.type(indexOf(toc, "etc/.wh.removed"))).isEqualTo(EntryType.WHITEOUT);
    assertThat(toc.type(indexOf(toc, "var/.wh..wh..opq"))).isEqualTo(EntryType.OPAQUE);
  }

  @Test
  void largeFilesGetFramesOfTheirOwnBytesSoEqualFilesShareChunks() throws IOException {
    byte[] content = random(7, 200_000);
    TestTar a = new TestTar().file("a/small", new byte[10]).file("a/big", content);
    TestTar b = new TestTar().file("b/other", random(8, 3000)).file("b/x/y/renamed", content).file("z", new byte[100]);
    Set<Digest> chunksA = fileChunks(a, "a/big");
    Set<Digest> chunksB = fileChunks(b, "b/x/y/renamed");
    assertThat(chunksA).hasSizeGreaterThan(5).isEqualTo(chunksB);
  }

  @Test
  void sameInputGivesTheSameBlobWithAnyThreadCount() {
    ByteArrayOutputStream one = new ByteArrayOutputStream();
    ByteArrayOutputStream two = new ByteArrayOutputStream();
    EncodedLayer l1 = sample().encode(SMALL.withThreads(1), one);
    EncodedLayer l2 = sample().encode(SMALL.withThreads(2), two);
    assertThat(two.toByteArray()).isEqualTo(one.toByteArray());
    assertThat(l2).isEqualTo(l1);
  }

  @Test
  void writesToAChannelAsToAStream(@TempDir Path dir) throws IOException {
    TestTar tar = sample();
    ByteArrayOutputStream stream = new ByteArrayOutputStream();
    EncodedLayer expected = tar.encode(SMALL, stream);
    Path file = dir.resolve("blob");
    try (var channel = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.CREATE_NEW,
            java.nio.file.StandardOpenOption.WRITE);
        LayerEncoder encoder = new LayerEncoder(channel, SMALL)) {
      for (var p : tar.parts()) {
        encoder.addEntry(p.entry(), p.header(), new ByteArrayInputStream(p.data()), p.data().length);
      }
      encoder.finishTar(new byte[1024]);
      assertThat(encoder.finish()).isEqualTo(expected);
    }
    assertThat(Files.readAllBytes(file)).isEqualTo(stream.toByteArray());
  }

  @Test
  void rejectsDataShorterThanAnnounced() throws IOException {
    try (LayerEncoder encoder = new LayerEncoder(new ByteArrayOutputStream(), SMALL)) {
      TarEntry e = TarEntry.of("f", EntryType.FILE, 0644, 100);
      assertThatThrownBy(() -> encoder.addEntry(e, new byte[512], new ByteArrayInputStream(new byte[50]), 512))
          .hasMessageContaining("data of entry f ended early");
      assertThatThrownBy(() -> encoder.addEntry(e, new byte[100], new ByteArrayInputStream(new byte[512]), 512))
          .hasMessageContaining("not a positive multiple of 512");
    }
  }

  private static Set<Digest> fileChunks(TestTar tar, String path) throws IOException {
    ByteArrayOutputStream blob = new ByteArrayOutputStream();
    EncodedLayer layer = tar.encode(SMALL, blob);
    LayerToc toc = readToc(layer, blob.toByteArray());
    int i = indexOf(toc, path);
    Set<Digest> out = new HashSet<>();
    toc.frames().overlapping(toc.dataOffset(i), toc.size(i)).forEach(c -> {
      assertThat(c.uncompressedOffset()).isGreaterThanOrEqualTo(toc.dataOffset(i));
      assertThat(c.uncompressedOffset() + c.uncompressedLength()).isLessThanOrEqualTo(toc.dataOffset(i) + toc.size(i));
      out.add(c.digest());
    });
    return out;
  }

  static LayerToc readToc(EncodedLayer layer, byte[] blob) throws IOException {
    byte[] tocBytes = Arrays.copyOfRange(blob, (int) layer.toc().offset(), (int) layer.toc().offset() + layer.toc().length());
    return LayerToc.read(tocBytes, layer.descriptor(), layer.toc(), IndexBudget.unlimited());
  }

  static int indexOf(LayerToc toc, String path) {
    for (int i = 0; i < toc.entryCount(); i++) {
      if (toc.path(i).equals(path)) {
        return i;
      }
    }
    throw new AssertionError("no entry " + path);
  }
}
