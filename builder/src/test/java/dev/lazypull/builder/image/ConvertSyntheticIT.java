package dev.lazypull.builder.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lazypull.builder.progress.Progress;
import dev.lazypull.format.LazyAnnotations;
import dev.lazypull.format.encode.EncoderOptions;
import dev.lazypull.oci.Descriptor;
import dev.lazypull.oci.Digest;
import dev.lazypull.oci.ImageIndex;
import dev.lazypull.oci.ImageManifest;
import dev.lazypull.oci.MediaTypes;
import dev.lazypull.oci.OciJson;
import dev.lazypull.oci.Platform;
import dev.lazypull.registry.ImageStore;
import dev.lazypull.registry.ManifestBytes;
import dev.lazypull.registry.layout.OciLayoutStore;
import dev.lazypull.testkit.images.SyntheticImages;
import dev.lazypull.testkit.images.TarWriter;
import dev.lazypull.testkit.images.TestEntry;
import dev.lazypull.testkit.images.TestLayout;
import dev.lazypull.testkit.images.TestLayout.Compression;
import dev.lazypull.testkit.images.TestLayout.Flavor;
import dev.lazypull.testkit.images.TestLayout.Layer;
import dev.lazypull.testkit.images.Unpacker;
import dev.lazypull.testkit.tree.TreeSnapshot;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The synthetic feature images (every tar feature, three layers) converted from OCI layouts, in
 * every source compression and both manifest flavours, then pulled the normal way (skopeo) and
 * unpacked (umoci): the tree must equal the original's, path by path, with zero differences.
 */
class ConvertSyntheticIT {
  private static Scratch scratch;
  private static TreeSnapshot original;

  @BeforeAll
  static void unpackOriginal() throws IOException {
    scratch = new Scratch("synthetic");
    Path layout = scratch.path("original");
    SyntheticImages.write(layout, Compression.GZIP, Flavor.OCI);
    original = TreeSnapshot.of(Unpacker.unpack(layout, SyntheticImages.TAG, scratch.path("original-bundle")));
  }

  @AfterAll
  static void cleanUp() throws IOException {
    scratch.close();
  }

  private static ConversionResult convert(Path from, String tag, Path to, String toTag, ConvertOptions options)
      throws IOException {
    try (ImageStore source = OciLayoutStore.open(from);
        ImageStore target = OciLayoutStore.openOrCreate(to)) {
      return new ImageConverter(source, target, options, Progress.silent()).convert(tag, toTag);
    }
  }

  private static ConvertOptions options() {
    return ConvertOptions.defaults().withWorkDir(scratch.path(""));
  }

  @Test
  void everySourceCompressionAndFlavourGivesTheSameTreeAndTheSameLazyImage() throws IOException {
    String lazyDigest = null;
    for (var variant : List.of(
        Map.entry(Compression.GZIP, Flavor.OCI), Map.entry(Compression.ZSTD, Flavor.OCI),
        Map.entry(Compression.NONE, Flavor.OCI), Map.entry(Compression.GZIP, Flavor.DOCKER))) {
      String name = variant.getKey() + "-" + variant.getValue();
      Path source = scratch.path("src-" + name);
      SyntheticImages.write(source, variant.getKey(), variant.getValue());
      Path target = scratch.path("lazy-" + name);
      ConversionResult result = convert(source, SyntheticImages.TAG, target, "lazy", options());

      TreeSnapshot converted = TreeSnapshot.of(Unpacker.pullAndUnpack("oci:" + target + ":lazy", scratch.path("unpack-" + name)));
      original.assertSameAs(converted, "synthetic image from " + name + ", converted");
      assertThat(converted.size()).isGreaterThan(340);

      // The tars are the same whatever their compression, so the lazy image is too.
      if (lazyDigest == null) {
        lazyDigest = result.digest().toString();
      }
      assertThat(result.digest().toString()).as(name).isEqualTo(lazyDigest);
      try (OciLayoutStore store = OciLayoutStore.open(target)) {
        ImageManifest m = OciJson.parseManifest(store.getManifest("lazy").bytes());
        assertThat(m.mediaType()).isEqualTo(MediaTypes.OCI_MANIFEST);
        assertThat(LazyAnnotations.isLazyManifest(m.annotations())).isTrue();
        assertThat(m.layers()).hasSize(3).allSatisfy(l -> {
          assertThat(l.mediaType()).isEqualTo(MediaTypes.OCI_LAYER_ZSTD);
          assertThat(LazyAnnotations.tocPointer(l.annotations())).isPresent();
        });
      }
    }
  }

  @Test
  void convertingTwiceGivesTheSameDigestsAndChunkOptionsChangeThem() throws IOException {
    Path source = scratch.path("repro-src");
    SyntheticImages.write(source, Compression.GZIP, Flavor.OCI);
    ConversionResult first = convert(source, SyntheticImages.TAG, scratch.path("repro-1"), "v1", options());
    ConversionResult second = convert(source, SyntheticImages.TAG, scratch.path("repro-2"), "v1", options());
    assertThat(second.digest()).isEqualTo(first.digest());
    assertThat(second.manifest().bytes()).isEqualTo(first.manifest().bytes());

    ConvertOptions small = options().withEncoder(EncoderOptions.defaults().withChunkSizes(16 << 10, 64 << 10, 256 << 10)
        .withLevel(9));
    ConversionResult other = convert(source, SyntheticImages.TAG, scratch.path("repro-3"), "v1", small);
    assertThat(other.digest()).isNotEqualTo(first.digest());
    // The big file is cut into more chunks with a smaller average.
    assertThat(other.images().getFirst().layers().getFirst().encoded().frameCount())
        .isGreaterThan(first.images().getFirst().layers().getFirst().encoded().frameCount());
  }

  @Test
  void aBaseLayerSharedByTwoImagesBecomesTheSameLazyLayer() throws IOException {
    Path source = scratch.path("shared-src");
    List<byte[]> layers = SyntheticImages.layers();
    TestLayout.writeImage(source, "one", Compression.GZIP, layers.get(0), layers.get(1));
    TestLayout.writeImage(source, "two", Compression.GZIP, layers.get(0),
        TarWriter.tar(TestEntry.file("other/file", "another image's top layer\n")));
    Path target = scratch.path("shared-dst");
    ConversionResult one = convert(source, "one", target, "one", options());
    ConversionResult two = convert(source, "two", target, "two", options());
    Descriptor a = one.images().getFirst().layers().getFirst().descriptor();
    Descriptor b = two.images().getFirst().layers().getFirst().descriptor();
    assertThat(b).isEqualTo(a);
    assertThat(two.images().getFirst().layers().get(1).descriptor().digest()).isNotEqualTo(
        one.images().getFirst().layers().get(1).descriptor().digest());
  }

  @Test
  void everyPlatformOfAnIndexIsConvertedAndTheIndexRebuilt() throws IOException {
    Path source = scratch.path("index-src");
    List<byte[]> layers = SyntheticImages.layers();
    byte[] armTop = TarWriter.tar(TestEntry.file("arch", "arm64\n"));
    TestLayout.writeIndex(source, "multi", Flavor.DOCKER, Map.of(
        "amd64", layers.stream().map(t -> Layer.of(t, Compression.GZIP, Flavor.DOCKER)).toList(),
        "arm64", List.of(Layer.of(layers.get(0), Compression.GZIP, Flavor.DOCKER), Layer.of(armTop, Compression.GZIP, Flavor.DOCKER))));
    Path target = scratch.path("index-dst");
    ConversionResult result = convert(source, "multi", target, "multi", options());
    assertThat(result.manifest().mediaType()).isEqualTo(MediaTypes.OCI_INDEX);
    ImageIndex index = OciJson.parseIndex(result.manifest().bytes());
    assertThat(index.manifests()).extracting(d -> d.platform().architecture()).containsExactly("amd64", "arm64");
    assertThat(index.manifests()).allSatisfy(d -> assertThat(d.mediaType()).isEqualTo(MediaTypes.OCI_MANIFEST));
    assertThat(result.images()).hasSize(2);
    // skopeo picks this machine's platform (amd64) out of the index, as a runtime would.
    TreeSnapshot amd64 = TreeSnapshot.of(Unpacker.pullAndUnpack("oci:" + target + ":multi", scratch.path("index-unpack")));
    original.assertSameAs(amd64, "amd64 image of the converted index");

    ConversionResult arm = convert(source, "multi", scratch.path("index-arm"), "arm",
        options().withPlatform(new Platform("linux", "arm64", null)));
    assertThat(arm.manifest().mediaType()).isEqualTo(MediaTypes.OCI_MANIFEST);
    assertThat(arm.digest()).isEqualTo(index.manifests().get(1).digest());
  }

  @Test
  void attestationManifestsAreDroppedAndNestedIndexesRefused() throws IOException {
    Path source = scratch.path("attestation-src");
    String manifest = SyntheticImages.write(source, Compression.GZIP, Flavor.OCI);
    try (OciLayoutStore store = OciLayoutStore.open(source)) {
      ManifestBytes m = store.getManifest(manifest);
      Descriptor image = new Descriptor(MediaTypes.OCI_MANIFEST, m.digest(), m.bytes().length, Map.of(),
          new Platform("linux", "amd64", null));
      byte[] statement = "{\"_type\":\"https://in-toto.io/Statement/v0.1\"}".getBytes(StandardCharsets.UTF_8);
      byte[] config = "{}".getBytes(StandardCharsets.UTF_8);
      store.putBlob(Digest.sha256(statement), statement);
      store.putBlob(Digest.sha256(config), config);
      byte[] attestation = ImageManifest.oci(new Descriptor(MediaTypes.OCI_CONFIG, Digest.sha256(config), config.length),
          List.of(new Descriptor("application/vnd.in-toto+json", Digest.sha256(statement), statement.length))).toJson();
      Digest attestationDigest = store.putManifest(null, MediaTypes.OCI_MANIFEST, attestation);
      Descriptor attestationEntry = new Descriptor(MediaTypes.OCI_MANIFEST, attestationDigest, attestation.length,
          Map.of("vnd.docker.reference.type", "attestation-manifest", "vnd.docker.reference.digest", m.digest().toString()),
          new Platform("unknown", "unknown", null));
      store.putManifest("with-attestation", MediaTypes.OCI_INDEX, ImageIndex.oci(List.of(image, attestationEntry)).toJson());
      byte[] inner = ImageIndex.oci(List.of(image)).toJson();
      Digest innerDigest = store.putManifest(null, MediaTypes.OCI_INDEX, inner);
      store.putManifest("nested", MediaTypes.OCI_INDEX,
          ImageIndex.oci(List.of(new Descriptor(MediaTypes.OCI_INDEX, innerDigest, inner.length))).toJson());
    }
    Path target = scratch.path("attestation-dst");
    ConversionResult result = convert(source, "with-attestation", target, "lazy", options());
    assertThat(OciJson.parseIndex(result.manifest().bytes()).manifests()).singleElement()
        .satisfies(d -> assertThat(d.platform().architecture()).isEqualTo("amd64"));
    assertThatThrownBy(() -> convert(source, "nested", target, "nested", options()))
        .hasMessageContaining("nests another index");
    try (OciLayoutStore store = OciLayoutStore.open(target)) {
      assertThat(store.listTags()).containsExactly("lazy");
    }
  }

  @Test
  void descriptorFieldsTheConverterDoesNotChangeAreKept() throws IOException {
    Path source = scratch.path("fields-src");
    String tag = SyntheticImages.write(source, Compression.GZIP, Flavor.OCI);
    Descriptor subject;
    try (OciLayoutStore store = OciLayoutStore.open(source)) {
      ManifestBytes m = store.getManifest(tag);
      ImageManifest plain = OciJson.parseManifest(m.bytes(), m.mediaType());
      subject = new Descriptor(MediaTypes.OCI_MANIFEST, m.digest(), m.bytes().length);
      byte[] config;
      try (var in = store.openBlob(plain.config().digest())) {
        config = in.readAllBytes();
      }
      Descriptor richConfig = new Descriptor(plain.config().mediaType(), plain.config().digest(), plain.config().size(),
          List.of("https://mirror.example/config"), Map.of("org.example.config", "kept"),
          java.util.Base64.getEncoder().encodeToString(config), null, null);
      List<Descriptor> layers = plain.layers().stream()
          .map(l -> new Descriptor(l.mediaType(), l.digest(), l.size(), List.of("https://foreign.example/" + l.digest().hex()),
              Map.of("org.example.layer", l.digest().hex().substring(0, 8)), null, "application/vnd.example.layer", null))
          .toList();
      byte[] rich = new ImageManifest(MediaTypes.OCI_MANIFEST, "application/vnd.example.image", richConfig, layers, subject,
          Map.of("org.example.manifest", "kept")).toJson();
      Digest richDigest = store.putManifest(null, MediaTypes.OCI_MANIFEST, rich);
      Platform windowsish = new Platform("linux", "amd64", null, "10.0.17763.1879", List.of("win32k", "example"));
      Descriptor entry = new Descriptor(MediaTypes.OCI_MANIFEST, richDigest, rich.length, List.of(),
          Map.of("org.example.entry", "kept"), null, "application/vnd.example.image", windowsish);
      store.putManifest("rich", MediaTypes.OCI_INDEX, ImageIndex.oci(List.of(entry)).toJson());
    }

    ConversionResult result = convert(source, "rich", scratch.path("fields-dst"), "lazy", options());

    Descriptor converted = OciJson.parseIndex(result.manifest().bytes()).manifests().getFirst();
    assertThat(converted.platform().osVersion()).isEqualTo("10.0.17763.1879");
    assertThat(converted.platform().osFeatures()).containsExactly("win32k", "example");
    assertThat(converted.annotations()).containsEntry("org.example.entry", "kept");
    assertThat(converted.artifactType()).isEqualTo("application/vnd.example.image");
    try (OciLayoutStore target = OciLayoutStore.open(scratch.path("fields-dst"))) {
      ManifestBytes mb = target.getManifest(converted.digest().toString());
      ImageManifest lazy = OciJson.parseManifest(mb.bytes(), mb.mediaType());
      assertThat(lazy.artifactType()).isEqualTo("application/vnd.example.image");
      assertThat(lazy.subject()).isEqualTo(subject);
      assertThat(lazy.annotations()).containsEntry("org.example.manifest", "kept");
      // The config's bytes are unchanged, so everything said of them still holds.
      assertThat(lazy.config().urls()).containsExactly("https://mirror.example/config");
      assertThat(lazy.config().data()).isNotNull();
      assertThat(Digest.sha256(java.util.Base64.getDecoder().decode(lazy.config().data()))).isEqualTo(lazy.config().digest());
      assertThat(lazy.config().annotations()).containsEntry("org.example.config", "kept");
      // Layers are new bytes: their role stays, the URLs of the old bytes go.
      assertThat(lazy.layers()).allSatisfy(l -> {
        assertThat(l.annotations()).containsKey("org.example.layer");
        assertThat(l.artifactType()).isEqualTo("application/vnd.example.layer");
        assertThat(l.urls()).isEmpty();
      });
    }
  }

  // ---- malformed input: a clear error, nothing under the destination tag ----

  private static void assertFailsLeavingTagAlone(List<Layer> layers, String... messageParts) throws IOException {
    Path source = scratch.path("bad-src-" + System.nanoTime());
    TestLayout.writeImage(source, "bad", layers, Flavor.OCI);
    Path target = scratch.path("bad-dst-" + System.nanoTime());
    Path good = scratch.path("good-src-" + System.nanoTime());
    TestLayout.writeImage(good, "good", Compression.GZIP, TarWriter.tar(TestEntry.file("ok", "fine\n")));
    ConversionResult before = convert(good, "good", target, "tag", options());
    assertThatThrownBy(() -> convert(source, "bad", target, "tag", options()))
        .isInstanceOf(IOException.class)
        .satisfies(e -> assertThat(e.getMessage()).contains(messageParts));
    try (OciLayoutStore store = OciLayoutStore.open(target)) {
      assertThat(store.resolve("tag")).contains(before.digest());
      assertThat(store.listTags()).containsExactly("tag");
    }
  }

  private static byte[] goodTar() {
    return TarWriter.tar(TestEntry.dir("etc"), TestEntry.file("etc/passwd", "root:x:0:0::/root:/bin/sh\n"));
  }

  @Test
  void truncatedGzipIsReportedWithTheLayer() throws IOException {
    byte[] tar = TarWriter.tar(TestEntry.file("big", SyntheticImages.layers().get(0)));
    byte[] gz = TestLayout.gzip(tar);
    byte[] cut = Arrays.copyOf(gz, gz.length / 2);
    String digest = TestLayout.sha256(cut);
    assertFailsLeavingTagAlone(List.of(new Layer(cut, MediaTypes.OCI_LAYER_GZIP, TestLayout.sha256(tar))),
        "layer " + digest, "truncated");
  }

  @Test
  void corruptTarHeaderIsReportedWithLayerAndEntry() throws IOException {
    byte[] tar = goodTar();
    tar[512 + 2] ^= 0x20; // the second header's name: etc/passwd -> etC/passwd, checksum now wrong
    Layer layer = Layer.of(tar, Compression.GZIP, Flavor.OCI);
    assertFailsLeavingTagAlone(List.of(layer), "layer " + TestLayout.sha256(layer.blob()), "entry 'etC/passwd'",
        "corrupt header: checksum");
  }

  @Test
  void aNameEscapingTheRootIsRefused() throws IOException {
    assertFailsLeavingTagAlone(List.of(Layer.of(TarWriter.tar(TestEntry.file("../../etc/cron.d/evil", "* * * * * root sh\n")),
        Compression.GZIP, Flavor.OCI)), "entry '../../etc/cron.d/evil'", "escapes the root");
  }

  @Test
  void aHardlinkToAMissingTargetIsRefusedAcrossLayers() throws IOException {
    Layer base = Layer.of(goodTar(), Compression.GZIP, Flavor.OCI);
    Layer upper = Layer.of(TarWriter.tar(TestEntry.whiteout("etc/passwd"), TestEntry.hardlink("etc/again", "etc/passwd")),
        Compression.GZIP, Flavor.OCI);
    assertFailsLeavingTagAlone(List.of(base, upper), "entry 'etc/again'", "hardlink target 'etc/passwd'");
  }

  @Test
  void aDiffIdThatDoesNotMatchTheLayerIsRefused() throws IOException {
    Layer layer = Layer.of(goodTar(), Compression.GZIP, Flavor.OCI);
    Layer lying = new Layer(layer.blob(), layer.mediaType(), TestLayout.sha256("something else".getBytes()));
    assertFailsLeavingTagAlone(List.of(lying), "differs from the config's diff_id");
  }

  @Test
  void aMislabelledLayerIsRefused() throws IOException {
    Layer layer = Layer.of(goodTar(), Compression.GZIP, Flavor.OCI);
    assertFailsLeavingTagAlone(List.of(new Layer(layer.blob(), MediaTypes.OCI_LAYER_ZSTD, layer.diffId())),
        "declared zstd but its content is gzip");
  }

  @Test
  void aTruncatedTarEntryIsRefused() throws IOException {
    byte[] tar = TarWriter.tar(TestEntry.file("data.bin", new byte[100_000]));
    byte[] cut = Arrays.copyOf(tar, 50_000);
    assertFailsLeavingTagAlone(List.of(Layer.of(cut, Compression.GZIP, Flavor.OCI)), "entry 'data.bin'", "truncated");
  }
}
