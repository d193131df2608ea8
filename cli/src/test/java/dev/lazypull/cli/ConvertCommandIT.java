package dev.lazypull.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lazypull.registry.layout.OciLayoutStore;
import dev.lazypull.testkit.images.SyntheticImages;
import dev.lazypull.testkit.images.TarWriter;
import dev.lazypull.testkit.images.TestEntry;
import dev.lazypull.testkit.images.TestLayout;
import dev.lazypull.testkit.registry.RegistryServer;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code lazypull convert} and {@code inspect} as a user runs them, on layouts and a real registry. */
class ConvertCommandIT {
  @TempDir Path tmp;

  @Test
  void convertPrintsTheReferenceWithDigestLastAndInspectSeesALazyImage() throws Exception {
    Path src = tmp.resolve("src");
    SyntheticImages.write(src, TestLayout.Compression.GZIP, TestLayout.Flavor.OCI);
    String dst = "oci:" + tmp.resolve("dst") + ":lazy";
    CliRun run = CliRun.lazypull("convert", "--chunk-size", "128K", "--level", "5",
        "oci:" + src + ":" + SyntheticImages.TAG, dst);
    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(run.lastLine()).matches(java.util.regex.Pattern.quote(dst) + "@sha256:[0-9a-f]{64}");
    assertThat(run.err()).contains("layer 1/3").contains("converted 3 layers");

    CliRun again = CliRun.lazypull("convert", "--chunk-size", "128K", "--level", "5",
        "oci:" + src + ":" + SyntheticImages.TAG, "oci:" + tmp.resolve("dst2") + ":lazy");
    assertThat(again.lastLine().substring(again.lastLine().indexOf('@'))).isEqualTo(run.lastLine().substring(run.lastLine().indexOf('@')));

    CliRun inspect = CliRun.lazypull("inspect", "--json", dst);
    assertThat(inspect.exit()).as(inspect.err()).isZero();
    JsonNode json = new ObjectMapper().readTree(String.join("\n", inspect.out()));
    assertThat(json.get("lazy").asBoolean()).isTrue();
    JsonNode total = json.get("images").get(0).get("total");
    assertThat(total.get("files").asLong()).isGreaterThan(300);
    assertThat(total.get("chunks").asLong()).isPositive();
    assertThat(total.get("indexBytes").asLong()).isPositive();
    assertThat(json.get("images").get(0).get("layers")).hasSize(3);

    CliRun table = CliRun.lazypull("inspect", "oci:" + src + ":" + SyntheticImages.TAG);
    assertThat(table.exit()).isZero();
    assertThat(String.join("\n", table.out())).contains("lazy image: no");
  }

  @Test
  void convertsBetweenRepositoriesOfARealRegistry() throws Exception {
    Path src = tmp.resolve("src");
    SyntheticImages.write(src, TestLayout.Compression.ZSTD, TestLayout.Flavor.OCI);
    RegistryServer registry = RegistryServer.shared();
    String pushed = registry.hostPort() + "/cli/synthetic:lazy";
    CliRun toRegistry = CliRun.lazypull("convert", "oci:" + src + ":" + SyntheticImages.TAG, pushed);
    assertThat(toRegistry.exit()).as(toRegistry.err()).isZero();
    assertThat(toRegistry.lastLine()).startsWith(pushed + "@sha256:");
    String again = registry.hostPort() + "/cli/other:lazy";
    CliRun registryToRegistry = CliRun.lazypull("convert", pushed, again);
    assertThat(registryToRegistry.exit()).as(registryToRegistry.err()).isZero();
    assertThat(registryToRegistry.lastLine().substring(registryToRegistry.lastLine().indexOf('@')))
        .as("converting a lazy image again gives the same image")
        .isEqualTo(toRegistry.lastLine().substring(toRegistry.lastLine().indexOf('@')));
  }

  @Test
  void badInputFailsClearlyAndTagsNothing() throws Exception {
    Path src = tmp.resolve("bad");
    byte[] random = new byte[200_000];
    new java.util.Random(1).nextBytes(random);
    byte[] gz = TestLayout.gzip(TarWriter.tar(TestEntry.file("f", random)));
    byte[] cut = Arrays.copyOf(gz, gz.length / 2);
    TestLayout.writeImage(src, "bad", java.util.List.of(new TestLayout.Layer(cut, "application/vnd.oci.image.layer.v1.tar+gzip",
        TestLayout.sha256(new byte[0]))), TestLayout.Flavor.OCI);
    Path dst = tmp.resolve("dst");
    CliRun run = CliRun.lazypull("convert", "oci:" + src + ":bad", "oci:" + dst + ":lazy");
    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.err()).contains("layer " + TestLayout.sha256(cut)).contains("truncated").contains("nothing was tagged");
    try (OciLayoutStore store = OciLayoutStore.open(dst)) {
      assertThat(store.listTags()).isEmpty();
    }

    CliRun digestTarget = CliRun.lazypull("convert", "oci:" + src + ":bad", "localhost:5000/x@sha256:" + "0".repeat(64));
    assertThat(digestTarget.exit()).isEqualTo(2);
    assertThat(digestTarget.err()).contains("names a digest");

    CliRun missing = CliRun.lazypull("convert", "oci:" + tmp.resolve("nowhere") + ":x", "oci:" + dst + ":y");
    assertThat(missing.exit()).isEqualTo(1);
  }

  @Test
  void helpExplainsTheOptions() {
    CliRun help = CliRun.lazypull("convert", "--help");
    String text = String.join("\n", help.out());
    assertThat(text).contains("--chunk-size").contains("--level").contains("--platform").contains("--group-size")
        .contains("DST@sha256");
  }
}
