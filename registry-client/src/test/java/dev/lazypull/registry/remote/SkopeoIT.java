package dev.lazypull.registry.remote;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lazypull.oci.Descriptor;
import dev.lazypull.oci.ImageManifest;
import dev.lazypull.oci.MediaTypes;
import dev.lazypull.oci.OciJson;
import dev.lazypull.registry.CredentialSource;
import dev.lazypull.registry.ImageStore;
import dev.lazypull.registry.ImageStores;
import dev.lazypull.registry.ManifestBytes;
import dev.lazypull.registry.RegistryOptions;
import dev.lazypull.registry.TestImage;
import dev.lazypull.registry.layout.OciLayoutStore;
import dev.lazypull.testkit.registry.RegistryServer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** skopeo as an independent client of the same registry, and of the layouts lazypull writes. */
class SkopeoIT {
  private static final RegistryOptions OPTIONS = RegistryOptions.defaults().withCredentials(CredentialSource.none());
  @TempDir Path tmp;
  private final RegistryServer registry = RegistryServer.shared();

  @Test
  void whatLazypullPushesSkopeoCopies() throws Exception {
    TestImage image = TestImage.random(tmp, 41, 200_000, 3_000);
    try (ImageStore store = ImageStores.open(registry.reference("skopeo/pushed-by-lazypull"), OPTIONS)) {
      image.push(store, "v1");
    }
    Path out = tmp.resolve("copied");
    skopeo("copy", "--src-tls-verify=false", "docker://" + registry.reference("skopeo/pushed-by-lazypull:v1"), "oci:" + out + ":v1");
    // Read what skopeo wrote with the layout store: same manifest, same layer bytes.
    try (OciLayoutStore layout = OciLayoutStore.open(out)) {
      ManifestBytes manifest = layout.getManifest("v1");
      assertThat(OciJson.parseManifest(manifest.bytes())).isEqualTo(image.manifest());
      for (int i = 0; i < image.layers().size(); i++) {
        try (InputStream in = layout.openBlob(image.layerDigest(i))) {
          assertThat(in.readAllBytes()).isEqualTo(image.layers().get(i));
        }
      }
    }
  }

  @Test
  void whatSkopeoPushesLazypullReads() throws Exception {
    TestImage image = TestImage.random(tmp, 42, 150_000, 10);
    Path layoutDir = tmp.resolve("layout");
    try (ImageStore layout = ImageStores.open("oci:" + layoutDir, OPTIONS)) {
      image.push(layout, "v1");
    }
    // OCI as written, and converted to Docker schema 2 by skopeo.
    skopeo("copy", "--dest-tls-verify=false", "oci:" + layoutDir + ":v1", "docker://" + registry.reference("skopeo/pushed-by-skopeo:oci"));
    skopeo("copy", "--dest-tls-verify=false", "--format", "v2s2", "oci:" + layoutDir + ":v1",
        "docker://" + registry.reference("skopeo/pushed-by-skopeo:docker"));
    try (ImageStore store = ImageStores.open(registry.reference("skopeo/pushed-by-skopeo"), OPTIONS)) {
      assertThat(store.listTags()).containsExactlyInAnyOrder("oci", "docker");
      ManifestBytes oci = store.getManifest("oci");
      assertThat(oci.mediaType()).isEqualTo(MediaTypes.OCI_MANIFEST);
      assertThat(oci.bytes()).isEqualTo(image.manifest().toJson());
      ManifestBytes docker = store.getManifest("docker");
      assertThat(docker.mediaType()).isEqualTo(MediaTypes.DOCKER_MANIFEST);
      ImageManifest parsed = OciJson.parseManifest(docker.bytes());
      assertThat(parsed.mediaType()).isEqualTo(MediaTypes.DOCKER_MANIFEST);
      assertThat(parsed.layers()).extracting(Descriptor::digest).containsExactly(image.layerDigest(0), image.layerDigest(1));
      assertThat(store.getManifest(docker.digest().toString()).bytes()).isEqualTo(docker.bytes());
      for (int i = 0; i < image.layers().size(); i++) {
        try (InputStream in = store.openBlob(parsed.layers().get(i).digest())) {
          assertThat(in.readAllBytes()).isEqualTo(image.layers().get(i));
        }
      }
    }
  }

  private static void skopeo(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("skopeo", "--insecure-policy"));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("%s\n%s", command, output).isZero();
  }
}
