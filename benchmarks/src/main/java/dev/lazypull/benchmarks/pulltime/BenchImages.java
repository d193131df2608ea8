package dev.lazypull.benchmarks.pulltime;

import dev.lazypull.builder.image.BeforeTag;
import dev.lazypull.builder.image.ConvertOptions;
import dev.lazypull.builder.image.ImageConverter;
import dev.lazypull.builder.progress.Progress;
import dev.lazypull.oci.Descriptor;
import dev.lazypull.oci.OciJson;
import dev.lazypull.recorder.RecordStep;
import dev.lazypull.registry.ManifestBytes;
import dev.lazypull.registry.layout.OciLayoutStore;
import dev.lazypull.testkit.images.DebianImages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The benchmark's images: the real Debian test images (built from Debian packages by the testkit,
 * cached on disk) and their lazy conversions, converted once into an OCI layout beside them and
 * converted again only when the original (or the recorded command) changes (what a conversion was
 * made from is kept in a marker file per tag).
 *
 * <p>The big image ({@link #STACK}, python with scipy, pandas, matplotlib and more: 1.4 GB
 * uncompressed) is built only when a benchmark asks for it, and converted twice: with its start-up
 * ({@value DebianImages#STACK_IMPORT}) recorded as the prefetch list ({@link #STACK}, what a user
 * building with {@code --record} gets) and without ({@link #STACK_PLAIN}).
 */
public final class BenchImages {
  public static final String MINBASE = "minbase";
  public static final String PYTHON = "python";
  public static final String RELATED = "related";
  /** The python image converted with {@code --record "python3 -c 'import numpy'"}: the lazy image a user makes for it. */
  public static final String PYTHON_RECORDED = "python-recorded";
  /** The image the related image builds on. */
  public static final String RELATED_BASE = PYTHON;
  /** The big image, converted with {@code --record "python3 -c 'import scipy, pandas, matplotlib'"}. */
  public static final String STACK = "stack";
  /** The big image converted without a prefetch list. */
  public static final String STACK_PLAIN = "stack-plain";

  /** The command {@link #STACK}'s conversion records, as {@code convert --record} takes it. */
  public static final String STACK_RECORD = "python3 -c '" + DebianImages.STACK_IMPORT + "'";

  private record Source(String tag, boolean stack, List<String> record, Set<Workload> workloads) {}

  private static final Map<String, Source> SOURCES = Map.of(
      MINBASE, new Source(DebianImages.MINBASE, false, List.of(), EnumSet.of(Workload.BASH)),
      PYTHON, new Source(DebianImages.PYTHON, false, List.of(), EnumSet.of(Workload.BASH, Workload.NUMPY)),
      PYTHON_RECORDED, new Source(DebianImages.PYTHON, false, List.of("python3 -c 'import numpy'"),
          EnumSet.of(Workload.BASH, Workload.NUMPY)),
      RELATED, new Source(DebianImages.PYTHON_APP, false, List.of(), EnumSet.of(Workload.BASH, Workload.NUMPY)),
      STACK, new Source(DebianImages.PYTHON_STACK, true, List.of(STACK_RECORD), EnumSet.allOf(Workload.class)),
      STACK_PLAIN, new Source(DebianImages.PYTHON_STACK, true, List.of(), EnumSet.allOf(Workload.class)));

  private BenchImages() {}

  /** The image {@code name} (one of {@link #SOURCES}' keys), built and converted when needed. */
  public static synchronized BenchImage prepare(String name) throws IOException {
    Source src = SOURCES.get(name);
    if (src == null) {
      throw new IllegalArgumentException("unknown benchmark image " + name + " (one of " + SOURCES.keySet() + ")");
    }
    DebianImages debian = src.stack() ? DebianImages.stack() : DebianImages.get();
    // The small images' conversions stay where they always were; the stack's sit apart, versioned with its recipe.
    Path lazyDir = DebianImages.cacheRoot().resolve(src.stack()
        ? "bench-lazy-stack-v" + DebianImages.STACK_RECIPE_VERSION
        : "bench-lazy-v" + DebianImages.RECIPE_VERSION);
    String lazyTag = src.record().isEmpty() ? src.tag() : src.tag() + "-recorded";
    try (OciLayoutStore source = OciLayoutStore.open(debian.layout());
        OciLayoutStore lazy = OciLayoutStore.openOrCreate(lazyDir)) {
      String madeFrom = source.getManifest(src.tag()).digest() + (src.record().isEmpty() ? "" : " record " + src.record());
      Path marker = lazyDir.resolve("converted-" + lazyTag);
      if (!Files.exists(marker) || !Files.readString(marker).strip().equals(madeFrom)) {
        System.out.println("converting " + debian.reference(src.tag()) + " into " + lazyDir + ":" + lazyTag
            + (src.record().isEmpty() ? "" : ", recording " + src.record()) + " (once)");
        Path work = Files.createTempDirectory("lazypull-bench-convert-");
        try {
          ConvertOptions options = ConvertOptions.defaults().withWorkDir(work);
          BeforeTag record = src.record().isEmpty() ? BeforeTag.NONE
              : new RecordStep(src.record(), RecordStep.DEFAULT_TIMEOUT, line -> System.out.println("  record: " + line));
          new ImageConverter(source, lazy, options, Progress.silent(), record).convert(src.tag(), lazyTag);
        } finally {
          Commands.run("rm", "-rf", work.toString());
        }
        Files.writeString(marker, madeFrom + "\n");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    return new BenchImage(name, debian.layout(), src.tag(), lazyDir, lazyTag, src.workloads());
  }

  /** The original image's compressed size: the sum of its layer blobs, what a cold full pull fetches. */
  public static long compressedSize(BenchImage image) throws IOException {
    try (OciLayoutStore source = OciLayoutStore.open(image.source())) {
      ManifestBytes m = source.getManifest(image.sourceTag());
      return OciJson.parseManifest(m.bytes(), m.mediaType()).layers().stream().mapToLong(Descriptor::size).sum();
    }
  }
}
