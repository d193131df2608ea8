package dev.lazypull.lazyfs.mount;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lazypull.lazyfs.stats.ReadStat;
import dev.lazypull.oci.Descriptor;
import dev.lazypull.oci.OciJson;
import dev.lazypull.registry.ImageStore;
import dev.lazypull.registry.ImageStores;
import dev.lazypull.registry.ManifestBytes;
import dev.lazypull.registry.RegistryOptions;
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
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real Debian images (debootstrap minbase; python3 + numpy; a related image with one new top
 * layer), converted into a real registry and mounted through real FUSE: the tree equals umoci's
 * extraction, real programs run chrooted in the mount, and a related image fetches only its new
 * layer.
 */
class DebianImagesIT {
  private static final String REPO = "snapshotter/debian";
  @TempDir static Path work;
  // umoci's extraction holds absolute symlinks, which JUnit's @TempDir cleanup warns about one by one.
  private static Path bundles;
  private static DebianImages images;
  private static ImageStore store;

  @BeforeAll
  static void convert() throws IOException {
    images = DebianImages.get();
    bundles = Files.createTempDirectory("lazypull-debian-it");
    store = ImageStores.open(RegistryServer.shared().reference(REPO + ":x"), RegistryOptions.defaults());
    for (String tag : List.of(DebianImages.MINBASE, DebianImages.PYTHON, DebianImages.PYTHON_APP)) {
      TestImages.convert(images.layout(), tag, store, tag, work.resolve("convert"));
    }
  }

  @AfterAll
  static void close() throws IOException {
    if (store != null) {
      store.close();
    }
    if (bundles != null) {
      Commands.run(120, "rm", "-rf", bundles.toString());
    }
  }

  private static Path emptyDir(String name) throws IOException {
    return Files.createDirectories(work.resolve(name));
  }

  private static int chroot(Path root, String... command) throws IOException, InterruptedException {
    List<String> argv = new java.util.ArrayList<>(List.of("chroot", root.toString()));
    argv.addAll(List.of(command));
    ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true);
    pb.environment().put("PATH", "/usr/local/bin:/usr/bin:/bin");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("%s printed: %s", argv, out).isZero();
    return p.exitValue();
  }

  @Test
  void mountedMinbaseEqualsUmocisExtraction() throws Exception {
    Path expected = Unpacker.unpack(images.layout(), DebianImages.MINBASE, bundles.resolve("minbase"));
    Path dir = emptyDir("mnt-minbase");
    try (ImageMount mount = ImageMount.open(store, DebianImages.MINBASE, dir, lazyOnly(work.resolve("cache-minbase")))) {
      TreeSnapshot.of(dir).assertSameAs(TreeSnapshot.of(expected), "mounted minbase vs umoci extraction");
      assertThat(mount.stats().snapshot().get(ReadStat.READ_ERRORS)).isZero();
    }
  }

  /** These tests count what reads fetch: no background fetch alongside. */
  private static MountSettings lazyOnly(Path cache) {
    return MountSettings.defaults(cache)
        .withPrefetch(dev.lazypull.lazyfs.prefetch.PrefetchSettings.defaults().withBackground(false));
  }

  @Test
  void realProgramsRunChrootedInTheMountAndARelatedImageFetchesOnlyItsNewLayer() throws Exception {
    Path cache = work.resolve("cache-python");
    Path dir = emptyDir("mnt-python");
    long coldBytes;
    try (ImageMount mount = ImageMount.open(store, DebianImages.PYTHON, dir, lazyOnly(cache))) {
      chroot(dir, "/bin/bash", "-c", "true");
      chroot(dir, "python3", "-c", "import json, email.parser");
      chroot(dir, "python3", "-c", "import numpy");
      StatsSnapshot s = mount.stats().snapshot();
      coldBytes = s.get(ReadStat.BYTES_FETCHED);
      assertThat(s.get(ReadStat.READ_ERRORS)).isZero();
      assertThat(s.get(ReadStat.VERIFICATION_FAILURES)).isZero();
    }
    assertThat(coldBytes).isPositive();

    ManifestBytes app = store.getManifest(DebianImages.PYTHON_APP);
    List<Descriptor> layers = OciJson.parseManifest(app.bytes(), app.mediaType()).layers();
    long newLayerBytes = layers.getLast().size();
    try (ImageMount mount = ImageMount.open(store, DebianImages.PYTHON_APP, dir, lazyOnly(cache))) {
      chroot(dir, "python3", "-c", "import numpy");
      TreeSnapshot.of(dir.resolve("app"));
      StatsSnapshot s = mount.stats().snapshot();
      assertThat(s.get(ReadStat.BYTES_FETCHED)).as("bytes fetched by the related image").isLessThanOrEqualTo(newLayerBytes);
      assertThat(s.get(ReadStat.DISK_HITS)).isPositive();
    }
  }
}
