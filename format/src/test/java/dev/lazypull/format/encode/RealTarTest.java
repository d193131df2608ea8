package dev.lazypull.format.encode;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lazypull.format.EncodedLayer;
import dev.lazypull.format.EntryType;
import dev.lazypull.format.merge.MergedIndex;
import dev.lazypull.format.testing.TarParts;
import dev.lazypull.format.testing.TestTar;
import dev.lazypull.format.toc.LayerToc;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Archives made by GNU tar (PAX headers, long names, hardlinks, fifos) go through unchanged. */
class RealTarTest {

  @Test
  void gnuTarArchiveRoundTripsAndExtractsWithTarZstd(@TempDir Path tmp) throws Exception {
    Path root = Files.createDirectories(tmp.resolve("root"));
    Path deep = Files.createDirectories(root.resolve("a".repeat(60) + "/" + "b".repeat(60) + "/" + "c".repeat(60)));
    Files.write(deep.resolve("file-with-a-long-name.txt"), "deep".getBytes());
    Files.write(root.resolve("big.bin"), LayerEncoderTest.random(5, 300_000));
    Files.write(root.resolve("small.txt"), "hello".getBytes());
    Files.setLastModifiedTime(root.resolve("small.txt"), FileTime.from(Instant.ofEpochSecond(1_600_000_000, 123_456_789)));
    run(tmp, "chmod", "5750", root.resolve("small.txt").toString());
    Files.createSymbolicLink(root.resolve("link"), Path.of("small.txt"));
    Files.createLink(root.resolve("hard.bin"), root.resolve("big.bin"));
    run(tmp, "mkfifo", root.resolve("fifo").toString());
    Path tarFile = tmp.resolve("layer.tar");
    run(tmp, "tar", "--format=posix", "--sort=name", "-C", root.toString(), "-cf", tarFile.toString(), ".");
    byte[] tar = Files.readAllBytes(tarFile);

    TarParts.Parsed parsed = TarParts.parse(tar);
    TestTar feed = new TestTar().trailer(parsed.trailer());
    parsed.parts().forEach(feed.parts()::add);
    assertThat(feed.bytes()).isEqualTo(tar);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    EncodedLayer layer = feed.encode(EncoderOptions.defaults(), out);
    Path blob = tmp.resolve("layer.tar.zst");
    Files.write(blob, out.toByteArray());

    assertThat(run(tmp, "zstd", "-dc", blob.toString())).isEqualTo(tar);
    Path extracted = Files.createDirectories(tmp.resolve("extracted"));
    run(tmp, "tar", "--zstd", "-C", extracted.toString(), "-xf", blob.toString());
    // diff reports two fifos as a difference: compare them by type alone
    assertThat(run(tmp, "diff", "-r", "--no-dereference", "--exclude=fifo", root.toString(), extracted.toString())).isEmpty();
    assertThat(Files.getAttribute(extracted.resolve("fifo"), "unix:mode")).isEqualTo(Files.getAttribute(root.resolve("fifo"), "unix:mode"));

    LayerToc toc = LayerEncoderTest.readToc(layer, out.toByteArray());
    MergedIndex index = MergedIndex.of(List.of(toc));
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.toList()) {
        String rel = root.relativize(p).toString();
        assertThat(index.lookupPath(rel)).as(rel).isPositive();
      }
    }
    long small = index.lookupPath("small.txt");
    assertThat(index.mtimeNanos(small)).isEqualTo(123_456_789);
    assertThat(index.mode(small)).isEqualTo(05750);
    assertThat(index.lookupPath("hard.bin")).isEqualTo(index.lookupPath("big.bin"));
    assertThat(index.nlink(index.lookupPath("big.bin"))).isEqualTo(2);
    assertThat(index.type(index.lookupPath("fifo"))).isEqualTo(EntryType.FIFO);
  }

  private static byte[] run(Path dir, String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    byte[] out = p.getInputStream().readAllBytes();
    assertThat(p.waitFor()).as(String.join(" ", command)).isZero();
    return out;
  }
}
