package dev.lazypull.lazyfs.mount;

import dev.lazypull.builder.image.ConvertOptions;
import dev.lazypull.builder.image.ImageConverter;
import dev.lazypull.builder.progress.Progress;
import dev.lazypull.registry.ImageStore;
import dev.lazypull.registry.layout.OciLayoutStore;
import dev.lazypull.testkit.images.TarWriter;
import dev.lazypull.testkit.images.TestEntry;
import dev.lazypull.testkit.images.TestLayout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Source images for the snapshotter's integration tests, and their conversion into lazy images. */
final class TestImages {
  private TestImages() {}

  /** Writes an image of {@code layers} (lowest first, gzip) into the layout at {@code dir}, tagged {@code tag}. */
  static void writeLayout(Path dir, String tag, List<List<TestEntry>> layers) throws IOException {
    TestLayout.writeImage(dir, tag, TestLayout.Compression.GZIP,
        layers.stream().map(entries -> TarWriter.tar(entries.toArray(TestEntry[]::new))).toArray(byte[][]::new));
  }

  /** Converts {@code layout:tag} into a lazy image tagged {@code targetTag} of {@code target}. */
  static void convert(Path layout, String tag, ImageStore target, String targetTag, Path workDir) throws IOException {
    Files.createDirectories(workDir);
    try (OciLayoutStore source = OciLayoutStore.open(layout)) {
      new ImageConverter(source, target, ConvertOptions.defaults().withWorkDir(workDir), Progress.silent())
          .convert(tag, targetTag);
    }
  }
}
