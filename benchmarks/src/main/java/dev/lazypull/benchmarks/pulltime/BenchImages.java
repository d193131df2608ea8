package dev.lazypull.benchmarks.pulltime;

import dev.lazypull.builder.image.ConvertOptions;
import dev.lazypull.builder.image.ImageConverter;
import dev.lazypull.builder.progress.Progress;
import dev.lazypull.oci.Descriptor;
import dev.lazypull.oci.OciJson;
import dev.lazypull.registry.ManifestBytes;
import dev.lazypull.registry.layout.OciLayoutStore;
import dev.lazypull.testkit.images.DebianImages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The benchmark's images: the real Debian test images (built from Debian packages by the testkit,
 * cached on disk) and their lazy conversions, converted once into an OCI layout beside them and
 * converted again only when the original changes (the conversion's source digest is kept in a
 * marker file per tag).
 */
public final class BenchImages {
  public static final String MINBASE = "minbase";
  public static final String PYTHON = "python";
  public static final String RELATED = "related";
  /** The image the related image builds on. */
  public static final String RELATED_BASE = PYTHON;

  private static final Map<String, String> TAGS = Map.of(
      MINBASE, DebianImages.MINBASE,
      PYTHON, DebianImages.PYTHON,
      RELATED, DebianImages.PYTHON_APP);

  private BenchImages() {}

  /** The image {@code name} ({@code minbase}, {@code python}, {@code related}), built and converted when needed. */
  public static synchronized BenchImage prepare(String name) throws IOException {
    String tag = TAGS.get(name);
    if (tag == null) {
      throw new IllegalArgumentException("unknown benchmark image " + name + " (one of " + TAGS.keySet() + ")");
    }
    DebianImages debian = DebianImages.get();
    Path lazyDir = DebianImages.cacheRoot().resolve("bench-lazy-v" + DebianImages.RECIPE_VERSION);
    try (OciLayoutStore source = OciLayoutStore.open(debian.layout());
        OciLayoutStore lazy = OciLayoutStore.openOrCreate(lazyDir)) {
      String sourceDigest = source.getManifest(tag).digest().toString();
      Path marker = lazyDir.resolve("converted-" + tag);
      if (!Files.exists(marker) || !Files.readString(marker).strip().equals(sourceDigest)) {
        System.out.println("converting " + debian.reference(tag) + " into " + lazyDir + " (once)");
        Path work = Files.createTempDirectory("lazypull-bench-convert-");
        try {
          new ImageConverter(source, lazy, ConvertOptions.defaults().withWorkDir(work), Progress.silent()).convert(tag, tag);
        } finally {
          Commands.run("rm", "-rf", work.toString());
        }
        Files.writeString(marker, sourceDigest + "\n");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    return new BenchImage(name, debian.layout(), tag, lazyDir, tag, !name.equals(MINBASE));
  }

  /** The original image's compressed size: the sum of its layer blobs, what a cold full pull fetches. */
  public static long compressedSize(BenchImage image) throws IOException {
    try (OciLayoutStore source = OciLayoutStore.open(image.source())) {
      ManifestBytes m = source.getManifest(image.sourceTag());
      return OciJson.parseManifest(m.bytes(), m.mediaType()).layers().stream().mapToLong(Descriptor::size).sum();
    }
  }
}
