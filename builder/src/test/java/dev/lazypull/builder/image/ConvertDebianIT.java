package dev.lazypull.builder.image;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lazypull.builder.inspect.ImageInspector;
import dev.lazypull.builder.inspect.ImageReport;
import dev.lazypull.builder.inspect.InspectReport;
import dev.lazypull.builder.progress.Progress;
import dev.lazypull.oci.Descriptor;
import dev.lazypull.registry.ImageStore;
import dev.lazypull.registry.ImageStores;
import dev.lazypull.registry.RegistryOptions;
import dev.lazypull.registry.layout.OciLayoutStore;
import dev.lazypull.testkit.images.Commands;
import dev.lazypull.testkit.images.DebianImages;
import dev.lazypull.testkit.images.Unpacker;
import dev.lazypull.testkit.registry.RegistryServer;
import dev.lazypull.testkit.tree.TreeSnapshot;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The real Debian images (debootstrap minbase; + python3 and numpy; + a small app layer), converted
 * from an OCI layout and through a real registry, pulled back the normal way (skopeo) and unpacked
 * (umoci): every path, attribute and byte equals the original's.
 */
class ConvertDebianIT {
  private static Scratch scratch;
  private static DebianImages images;
  private static ConversionResult minbase;

  @BeforeAll
  static void setUp() throws IOException {
    scratch = new Scratch("debian");
    images = DebianImages.get();
  }

  @AfterAll
  static void cleanUp() throws IOException {
    scratch.close();
  }

  private static ConversionResult convert(ImageStore source, String reference, ImageStore target, String tag)
      throws IOException {
    return new ImageConverter(source, target, ConvertOptions.defaults().withWorkDir(scratch.path("")), Progress.silent())
        .convert(reference, tag);
  }

  private static synchronized ConversionResult minbase() throws IOException {
    if (minbase == null) {
      try (ImageStore source = OciLayoutStore.open(images.layout());
          ImageStore target = OciLayoutStore.openOrCreate(scratch.path("minbase-lazy"))) {
        minbase = convert(source, DebianImages.MINBASE, target, "lazy");
      }
    }
    return minbase;
  }

  @Test
  void minbaseFromALayoutHasTheOriginalTreeAndConvertsReproducibly() throws IOException {
    ConversionResult first = minbase();
    TreeSnapshot original = TreeSnapshot.of(Unpacker.unpack(images.layout(), DebianImages.MINBASE, scratch.path("minbase-orig")));
    TreeSnapshot converted = TreeSnapshot.of(
        Unpacker.pullAndUnpack("oci:" + scratch.path("minbase-lazy") + ":lazy", scratch.path("minbase-conv")));
    original.assertSameAs(converted, "debian-minbase, converted");
    assertThat(original.countsByType().get('f')).isGreaterThan(4000);

    try (ImageStore source = OciLayoutStore.open(images.layout());
        ImageStore target = OciLayoutStore.openOrCreate(scratch.path("minbase-again"))) {
      assertThat(convert(source, DebianImages.MINBASE, target, "lazy").digest()).isEqualTo(first.digest());
    }
  }

  @Test
  void theRelatedImageThroughARegistryHasTheOriginalTreeAndSharesTheLazyBaseLayer() throws IOException {
    RegistryServer registry = RegistryServer.shared();
    String source = registry.hostPort() + "/debian/python-app:source";
    String target = registry.hostPort() + "/debian/python-app:lazy";
    Commands.run(600, "skopeo", "copy", "-q", "--dest-tls-verify=false", images.reference(DebianImages.PYTHON_APP),
        "docker://" + source);
    ConversionResult result;
    try (ImageStore from = ImageStores.open(source, RegistryOptions.defaults());
        ImageStore to = ImageStores.open(target, RegistryOptions.defaults())) {
      result = convert(from, "source", to, "lazy");
    }
    List<Descriptor> layers = result.images().getFirst().layers().stream().map(l -> l.descriptor()).toList();
    assertThat(layers).hasSize(3);
    assertThat(layers.getFirst()).as("the base layer, converted in another image, is the same lazy layer")
        .isEqualTo(minbase().images().getFirst().layers().getFirst().descriptor());

    TreeSnapshot original = TreeSnapshot.of(Unpacker.unpack(images.layout(), DebianImages.PYTHON_APP, scratch.path("app-orig")));
    TreeSnapshot converted = TreeSnapshot.of(Unpacker.pullAndUnpack("docker://" + target, scratch.path("app-conv")));
    original.assertSameAs(converted, "debian-python-app through the registry, converted");
    assertThat(converted.get("usr/lib/python3/dist-packages/numpy/__init__.py")).isNotNull();

    try (ImageStore store = ImageStores.open(target, RegistryOptions.defaults())) {
      InspectReport report = new ImageInspector(store).inspect(target, "lazy");
      assertThat(report.lazy()).isTrue();
      ImageReport image = report.images().getFirst();
      assertThat(image.files()).isGreaterThan(8000);
      assertThat(image.uncompressedBytes()).isEqualTo(result.images().getFirst().uncompressedBytes());
      assertThat((double) image.tocBytes() / image.uncompressedBytes()).as("index size / image size").isLessThan(0.003);
      System.out.println(report.toText());
    }
  }
}
