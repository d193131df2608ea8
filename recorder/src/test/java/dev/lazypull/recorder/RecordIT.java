package dev.lazypull.recorder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lazypull.builder.image.ConvertOptions;
import dev.lazypull.builder.image.ImageConverter;
import dev.lazypull.builder.overlay.BuildResult;
import dev.lazypull.builder.overlay.OverlayBuild;
import dev.lazypull.builder.overlay.spec.AddSpec;
import dev.lazypull.builder.overlay.spec.BuildSpec;
import dev.lazypull.builder.progress.Progress;
import dev.lazypull.format.toc.PrefetchList;
import dev.lazypull.lazyfs.stats.ReadStat;
import dev.lazypull.registry.ImageStore;
import dev.lazypull.registry.ImageStores;
import dev.lazypull.registry.ManifestBytes;
import dev.lazypull.registry.RegistryOptions;
import dev.lazypull.registry.layout.OciLayoutStore;
import dev.lazypull.lazyfs.image.LazyImage;
import dev.lazypull.lazyfs.mount.ImageMount;
import dev.lazypull.lazyfs.mount.MountSettings;
import dev.lazypull.lazyfs.prefetch.PrefetchSettings;
import dev.lazypull.lazyfs.stats.StatsSnapshot;
import dev.lazypull.testkit.images.Commands;
import dev.lazypull.testkit.images.DebianImages;
import dev.lazypull.testkit.images.Unpacker;
import dev.lazypull.testkit.registry.RegistryServer;
import dev.lazypull.testkit.tree.TreeSnapshot;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Debian python3 + numpy image converted with {@code --record}, into a real registry of its
 * own (the last test stops it), recorded in the real sandbox over a real FUSE mount, then mounted
 * cold and run chrooted.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RecordIT {
  private static final String IMPORT_NUMPY = "python3 -c 'import numpy'";
  @TempDir static Path work;
  private static Path bundles;
  private static DebianImages images;
  private static RegistryServer registry;
  private static ImageStore store;
  private static final List<String> log = new ArrayList<>();

  @BeforeAll
  static void start() throws IOException {
    images = DebianImages.get();
    bundles = Files.createTempDirectory("lazypull-record-it");
    registry = RegistryServer.builder().start();
    store = ImageStores.open(registry.reference("record/debian:x"), RegistryOptions.defaults());
  }

  @AfterAll
  static void stop() throws IOException {
    if (store != null) {
      store.close();
    }
    if (registry != null) {
      registry.close();
    }
    if (bundles != null) {
      Commands.run(120, "rm", "-rf", bundles.toString());
    }
  }

  private static ManifestBytes convert(String tag, Duration timeout, String... commands) throws IOException {
    Path convertDir = Files.createDirectories(work.resolve("convert"));
    try (OciLayoutStore source = OciLayoutStore.open(images.layout())) {
      RecordStep step = new RecordStep(List.of(commands), timeout, line -> {
        synchronized (log) {
          log.add(line);
        }
      });
      return new ImageConverter(source, store, ConvertOptions.defaults().withWorkDir(convertDir), Progress.silent(), step)
          .convert(DebianImages.PYTHON, tag).manifest();
    }
  }

  private static PrefetchList listOf(String tag) throws IOException {
    return LazyImage.open(store, tag, dev.lazypull.format.IndexBudget.unlimited()).index().prefetchList();
  }

  private static String chroot(Path root, String... command) throws IOException, InterruptedException {
    List<String> argv = new ArrayList<>(List.of("chroot", root.toString()));
    argv.addAll(List.of(command));
    ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true);
    pb.environment().put("PATH", "/usr/local/bin:/usr/bin:/bin");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("%s printed: %s", argv, out).isZero();
    return out;
  }

  @Test
  @Order(1)
  void recordingTheSameCommandTwiceGivesTheSameListAndTheSameImage() throws Exception {
    ManifestBytes first = convert("numpy", RecordStep.DEFAULT_TIMEOUT, IMPORT_NUMPY);
    ManifestBytes second = convert("numpy-again", RecordStep.DEFAULT_TIMEOUT, IMPORT_NUMPY);
    PrefetchList a = listOf("numpy");
    PrefetchList b = listOf("numpy-again");
    assertThat(a.size()).as("chunks recorded for import numpy").isGreaterThan(100);
    assertThat(b).isEqualTo(a);
    assertThat(second.digest()).isEqualTo(first.digest());
    assertThat(String.join("\n", log)).contains("recorded '/bin/sh -c " + IMPORT_NUMPY + "': exit 0");
  }

  @Test
  @Order(2)
  void aColdMountOfTheRecordedImageServesTheImportWithNearZeroDemandMisses() throws Exception {
    Path dir = Files.createDirectories(work.resolve("mnt-cold"));
    MountSettings settings = MountSettings.defaults(work.resolve("cache-cold"))
        .withPrefetch(PrefetchSettings.defaults().withBackground(false));
    try (ImageMount mount = ImageMount.open(store, "numpy", dir, settings)) {
      chroot(dir, "python3", "-c", "import numpy");
      mount.prefetcher().listDone().get(60, TimeUnit.SECONDS);
      StatsSnapshot s = mount.stats().snapshot();
      System.out.println("cold recorded import numpy: " + s.toJson());
      assertThat(s.get(ReadStat.READ_ERRORS)).isZero();
      assertThat(s.get(ReadStat.PREFETCH_HIT_BYTES)).as("bytes read that the list brought").isPositive();
      // Near zero: the program's reads found their chunks cached or on their way; a handful may
      // differ from the recording (the sandbox's environment is not chroot's).
      assertThat(s.get(ReadStat.DEMAND_MISSES)).as("chunks reads fetched themselves: %s", s.toJson())
          .isLessThanOrEqualTo(Math.max(5, s.get(ReadStat.CHUNKS_FETCHED) / 50));
    }
  }

  @Test
  @Order(3)
  void theSandboxWritesNothingToTheHostHasNoNetworkAndAFailureTagsNothing() throws Exception {
    String probe = "lazypull-record-probe-" + ProcessHandle.current().pid();
    ManifestBytes written = convert("writes", RecordStep.DEFAULT_TIMEOUT,
        "echo x > /etc/" + probe + " && echo y > /tmp/" + probe + " && echo z > /" + probe + " && cat /etc/" + probe);
    assertThat(written).isNotNull();
    assertThat(Path.of("/etc", probe)).doesNotExist();
    assertThat(Path.of("/tmp", probe)).doesNotExist();
    assertThat(Path.of("/", probe)).doesNotExist();

    String connect = "python3 -c \"import socket; socket.create_connection(('127.0.0.1', " + registry.port() + "), 3)\"";
    assertThatThrownBy(() -> convert("network", RecordStep.DEFAULT_TIMEOUT, connect))
        .isInstanceOf(RecordingException.class)
        .hasMessageContaining("exit status 1")
        // The registry listens on the host's loopback; the sandbox's loopback is its own.
        .hasMessageContaining("Connection refused");
    String outside = "python3 -c \"import socket; socket.create_connection(('192.0.2.1', 80), 3)\"";
    assertThatThrownBy(() -> convert("outside", RecordStep.DEFAULT_TIMEOUT, outside))
        .isInstanceOf(RecordingException.class)
        .hasMessageContaining("Network is unreachable");
    assertThat(store.resolve("network")).isEmpty();

    assertThatThrownBy(() -> convert("slow", Duration.ofSeconds(3), "sleep 60"))
        .isInstanceOf(RecordingException.class)
        .hasMessageContaining("time limit of 3 s");
    assertThat(store.resolve("slow")).isEmpty();
  }

  @Test
  @Order(4)
  void buildRecordsTheImagesOwnCommandOverTheAddedLayer() throws Exception {
    Path src = Files.createDirectories(work.resolve("app-src"));
    Files.writeString(src.resolve("main.py"), "import numpy\nprint('numpy', numpy.__version__)\n");
    String base = registry.reference("record/debian:numpy");
    BuildSpec spec = new BuildSpec("app", base, registry.reference("record/app"), List.of(new AddSpec(src, "/app")), null,
        java.util.Map.of(), "/app", List.of("python3", "main.py"), null, null, java.util.Map.of(), List.of(),
        List.of(BuildSpec.RECORD_IMAGE_COMMAND));
    List<String> lines = new ArrayList<>();
    try (ImageStore target = ImageStores.open(registry.reference("record/app:x"), RegistryOptions.defaults())) {
      BuildResult result = new OverlayBuild(OverlayBuild.Options.defaults(), Progress.silent(),
          new RecordStep(spec.record(), RecordStep.DEFAULT_TIMEOUT, lines::add)).build(spec, store, "numpy", target);
      assertThat(String.join("\n", lines)).contains("recorded 'python3 main.py': exit 0");
      LazyImage built = LazyImage.open(target, result.tag(), dev.lazypull.format.IndexBudget.unlimited());
      PrefetchList list = built.index().prefetchList();
      assertThat(list.size()).isGreaterThan(100);
      // The list names the added layer too (main.py), and the base's layers.
      int top = built.layers().size() - 1;
      assertThat(java.util.stream.IntStream.range(0, list.size()).map(list::layer).boxed().distinct().toList())
          .contains(0, top);
      assertThat(target.resolve(result.tag())).contains(result.digest());
    }
  }

  @Test
  @Order(5)
  void aListForAnotherProgramGivesTheRightTreeAndAfterTheBackgroundFetchTheRegistryCanGo() throws Exception {
    convert("other", RecordStep.DEFAULT_TIMEOUT, "ls -l /usr/bin > /dev/null && bash -c true");
    assertThat(listOf("other").size()).isPositive();
    TreeSnapshot expected = TreeSnapshot.of(Unpacker.unpack(images.layout(), DebianImages.PYTHON, bundles.resolve("python")));
    Path dir = Files.createDirectories(work.resolve("mnt-other"));
    try (ImageMount mount = ImageMount.open(store, "other", dir, MountSettings.defaults(work.resolve("cache-other")))) {
      mount.prefetcher().backgroundDone().get(300, TimeUnit.SECONDS);
      StatsSnapshot s = mount.stats().snapshot();
      System.out.println("after background fetch: " + s.toJson());
      assertThat(s.get(ReadStat.LOCAL_BYTES)).as("local bytes").isEqualTo(s.get(ReadStat.IMAGE_BYTES));
      registry.close(); // from now on nothing can come from the network
      TreeSnapshot.of(dir).assertSameAs(expected, "mount of an image recorded for another program, registry stopped");
      assertThat(mount.stats().snapshot().get(ReadStat.READ_ERRORS)).isZero();
      chroot(dir, "python3", "-c", "import numpy");
    }
  }
}
