package dev.lazypull.builder.overlay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lazypull.builder.overlay.spec.AddSpec;
import dev.lazypull.builder.overlay.spec.BuildSpec;
import dev.lazypull.builder.progress.Progress;
import dev.lazypull.format.LazyAnnotations;
import dev.lazypull.oci.Descriptor;
import dev.lazypull.oci.Digest;
import dev.lazypull.oci.ImageManifest;
import dev.lazypull.oci.MediaTypes;
import dev.lazypull.oci.OciJson;
import dev.lazypull.registry.layout.OciLayoutStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The overlay build end to end on OCI image layouts (real files, the real encoder); the same
 * against a real registry, with converted Debian bases, is {@code BuildCommandIT} in the cli.
 */
class OverlayBuildTest {
  @TempDir Path tmp;
  private OciLayoutStore base;
  private OciLayoutStore target;
  private Path src;

  @BeforeEach
  void setUp() throws IOException {
    base = OciLayoutStore.openOrCreate(tmp.resolve("base"));
    target = OciLayoutStore.openOrCreate(tmp.resolve("target"));
    src = Files.createDirectories(tmp.resolve("src"));
    Files.writeString(src.resolve("main.py"), "print('hello')\n");
    Files.createDirectories(src.resolve("pkg"));
    Files.writeString(src.resolve("pkg/util.py"), "X = 1\n");
    Files.writeString(src.resolve(".dockerignore"), "*.log\n");
    Files.writeString(src.resolve("debug.log"), "noise");
    pushEmptyLazyBase(base, "1");
  }

  /** A lazy image without layers: the smallest valid base. */
  static void pushEmptyLazyBase(OciLayoutStore store, String tag) throws IOException {
    byte[] config = """
        {"architecture":"amd64","os":"linux","config":{"Env":["PATH=/usr/bin"]},"rootfs":{"type":"layers","diff_ids":[]},"history":[]}"""
        .getBytes(StandardCharsets.UTF_8);
    Digest configDigest = Digest.sha256(config);
    store.putBlob(configDigest, config);
    ImageManifest m = new ImageManifest(MediaTypes.OCI_MANIFEST, null, new Descriptor(MediaTypes.OCI_CONFIG, configDigest, config.length),
        List.of(), null, Map.of(LazyAnnotations.FORMAT_VERSION, LazyAnnotations.VERSION));
    store.putManifest(tag, MediaTypes.OCI_MANIFEST, OciJson.write(m));
  }

  private BuildSpec spec(String name) {
    return new BuildSpec(name, "oci:" + base.directory() + ":1", "oci:" + target.directory(),
        List.of(new AddSpec(src, "/app")), null, Map.of("PYTHONPATH", "/app"), "/app",
        List.of("python3", "main.py"), null, null, Map.of(), List.of("latest"));
  }

  private BuildResult build(BuildSpec spec) throws IOException {
    return new OverlayBuild(OverlayBuild.Options.defaults(), Progress.silent()).build(spec, base, "1", target);
  }

  private Set<String> blobs() throws IOException {
    try (Stream<Path> s = Files.list(target.directory().resolve("blobs/sha256"))) {
      return s.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
    }
  }

  @Test
  void secondBuildWithTheSameInputsPushesNothing() throws IOException {
    BuildResult first = build(spec("app"));
    assertThat(first.skipped()).isFalse();
    assertThat(first.tag()).matches("app-[0-9a-f]{20}");
    assertThat(first.reference()).isEqualTo("oci:" + target.directory() + ":" + first.tag() + "@" + first.digest());
    assertThat(first.layersAdded()).isEqualTo(1);
    assertThat(first.layersConverted()).as("a lazy base is never converted").isZero();
    assertThat(target.resolve(first.tag())).contains(first.digest());
    assertThat(target.resolve("latest")).contains(first.digest());

    Set<String> before = blobs();
    BuildResult second = build(spec("app"));
    assertThat(second.skipped()).isTrue();
    assertThat(second.tag()).isEqualTo(first.tag());
    assertThat(second.digest()).isEqualTo(first.digest());
    assertThat(second.bytesUploaded()).isZero();
    assertThat(blobs()).isEqualTo(before);
  }

  @Test
  void forceRebuildsToTheSameBytes() throws IOException {
    BuildResult first = build(spec("app"));
    BuildResult forced = new OverlayBuild(OverlayBuild.Options.defaults().withForce(true), Progress.silent())
        .build(spec("app"), base, "1", target);
    assertThat(forced.skipped()).isFalse();
    assertThat(forced.digest()).as("the build is reproducible").isEqualTo(first.digest());
  }

  @Test
  void sourceDateEpochSetsTheMtimeAndChangesTheTag() throws IOException {
    BuildResult epoch0 = build(spec("app"));
    BuildResult later = new OverlayBuild(OverlayBuild.Options.defaults().withSourceDateEpoch(1_700_000_000L), Progress.silent())
        .build(spec("app"), base, "1", target);
    assertThat(later.tag()).isNotEqualTo(epoch0.tag());
  }

  @Test
  void theManifestIsLazyAndTheConfigCarriesTheSettings() throws IOException {
    BuildResult r = build(spec("app"));
    ImageManifest m = OciJson.parseManifest(target.getManifest(r.digest().toString()).bytes());
    assertThat(m.annotations()).containsEntry(LazyAnnotations.FORMAT_VERSION, LazyAnnotations.VERSION)
        .containsKey(OverlayBuild.BASE_DIGEST_ANNOTATION);
    assertThat(m.layers()).hasSize(1);
    assertThat(LazyAnnotations.tocPointer(m.layers().getFirst().annotations())).isPresent();
    String config;
    try (var in = target.openBlob(m.config().digest())) {
      config = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    assertThat(config).contains("\"PYTHONPATH=/app\"", "\"WorkingDir\":\"/app\"", "\"Entrypoint\":[\"python3\",\"main.py\"]");
  }

  @Test
  void changingOneFileGivesANewTagAndOnlyANewLayer() throws IOException {
    BuildResult first = build(spec("app"));
    Set<String> before = blobs();
    Files.writeString(src.resolve("pkg/util.py"), "X = 2\n");
    BuildResult second = build(spec("app"));
    assertThat(second.tag()).isNotEqualTo(first.tag());
    assertThat(second.skipped()).isFalse();
    Set<String> added = blobs();
    added.removeAll(before);
    ImageManifest m = OciJson.parseManifest(target.getManifest(second.digest().toString()).bytes());
    assertThat(added).containsExactlyInAnyOrder(
        second.digest().hex(), m.config().digest().hex(), m.layers().getLast().digest().hex());
    assertThat(target.resolve("latest")).contains(second.digest());
  }

  @Test
  void aLazyBaseWithLayersIsReusedUnchanged() throws IOException {
    BuildResult first = build(spec("app"));
    // The built image becomes the base of the next build, from another layout.
    OciLayoutStore next = OciLayoutStore.openOrCreate(tmp.resolve("next"));
    BuildSpec onTop = new BuildSpec("svc", "oci:" + target.directory() + ":" + first.tag(), "oci:" + next.directory(),
        List.of(new AddSpec(src.resolve("main.py"), "/srv/")), null, Map.of(), null, null, null, "1000", Map.of(), List.of());
    BuildResult r = new OverlayBuild(OverlayBuild.Options.defaults(), Progress.silent())
        .build(onTop, target, first.tag(), next);
    assertThat(r.layersReused()).isEqualTo(1);
    assertThat(r.layersConverted()).isZero();
    ImageManifest firstManifest = OciJson.parseManifest(target.getManifest(first.digest().toString()).bytes());
    ImageManifest m = OciJson.parseManifest(next.getManifest(r.digest().toString()).bytes());
    assertThat(m.layers()).hasSize(2);
    assertThat(m.layers().getFirst()).isEqualTo(firstManifest.layers().getFirst());
    assertThat(next.blobSize(m.layers().getFirst().digest())).contains(m.layers().getFirst().size());
  }

  @Test
  void extractedByGnuTarTheLayerHoldsTheAddedFiles() throws Exception {
    // umoci 0.4.7 (Debian 12) cannot unpack zstd layers; GNU tar reads the layer as any runtime would.
    BuildResult r = build(spec("app"));
    ImageManifest m = OciJson.parseManifest(target.getManifest(r.digest().toString()).bytes());
    Path layer = target.directory().resolve("blobs/sha256/" + m.layers().getLast().digest().hex());
    Path rootfs = Files.createDirectory(tmp.resolve("rootfs"));
    Process p = new ProcessBuilder("tar", "--zstd", "-xpf", layer.toString(), "-C", rootfs.toString())
        .redirectErrorStream(true).start();
    String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(log).isZero();
    assertThat(Files.readString(rootfs.resolve("app/main.py"))).isEqualTo("print('hello')\n");
    assertThat(Files.readString(rootfs.resolve("app/pkg/util.py"))).isEqualTo("X = 1\n");
    assertThat(rootfs.resolve("app/debug.log")).doesNotExist();
    assertThat(Files.getLastModifiedTime(rootfs.resolve("app/main.py")).toMillis()).isZero();
    assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(rootfs.resolve("app/main.py"))))
        .isEqualTo("rw-r--r--");
  }

  @Test
  void anUnknownBaseIsAClearErrorAndNothingIsPushed() throws IOException {
    BuildSpec s = spec("app");
    assertThatThrownBy(() -> new OverlayBuild(OverlayBuild.Options.defaults(), Progress.silent())
            .build(s, base, "nope", target))
        .isInstanceOf(BuildInputException.class).hasMessageContaining("cannot read base image");
    assertThat(target.listTags()).isEmpty();
    assertThat(blobs()).isEmpty();
  }
}
