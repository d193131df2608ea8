package dev.lazypull.benchmarks.pulltime.full;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lazypull.benchmarks.link.LinkEmulator;
import dev.lazypull.benchmarks.link.LinkProfile;
import dev.lazypull.benchmarks.pulltime.Commands;
import dev.lazypull.oci.Descriptor;
import dev.lazypull.oci.Digest;
import dev.lazypull.oci.ImageManifest;
import dev.lazypull.oci.MediaTypes;
import dev.lazypull.registry.ImageStore;
import dev.lazypull.registry.ImageStores;
import dev.lazypull.registry.RegistryOptions;
import dev.lazypull.registry.layout.OciLayoutStore;
import dev.lazypull.testkit.registry.RegistryServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The full-pull baseline against a real registry behind the link emulator: a two-layer image
 * (gzip base, zstd top with a whiteout) pushed with skopeo, pulled, mounted as overlayfs; a second
 * pull of the same image as another container fetches nothing and reuses the snapshots.
 */
class FullPullIT {
  @TempDir Path tmp;

  @Test
  void pullsEveryLayerAndMountsTheMergedTree() throws Exception {
    Path base = Files.createDirectories(tmp.resolve("src/base/etc"));
    Files.writeString(base.resolve("hostname"), "base");
    Files.writeString(base.resolve("gone"), "deleted above");
    Path top = Files.createDirectories(tmp.resolve("src/top/etc"));
    Files.writeString(top.resolve("hostname"), "top");
    Files.writeString(top.resolve(".wh.gone"), "");
    Path baseTar = tmp.resolve("base.tar.gz");
    Path topTar = tmp.resolve("top.tar.zst");
    Commands.run("tar", "-czf", baseTar.toString(), "-C", tmp.resolve("src/base").toString(), ".");
    Commands.run("tar", "--zstd", "-cf", topTar.toString(), "-C", tmp.resolve("src/top").toString(), ".");

    Path layoutDir = tmp.resolve("layout");
    List<Descriptor> layers = new ArrayList<>();
    try (OciLayoutStore layout = OciLayoutStore.openOrCreate(layoutDir)) {
      layers.add(put(layout, baseTar, MediaTypes.OCI_LAYER_GZIP));
      layers.add(put(layout, topTar, MediaTypes.OCI_LAYER_ZSTD));
      byte[] config = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}".getBytes(StandardCharsets.UTF_8);
      layout.putBlob(Digest.sha256(config), config);
      ImageManifest m = ImageManifest.oci(new Descriptor(MediaTypes.OCI_CONFIG, Digest.sha256(config), config.length), layers);
      layout.putManifest("v1", MediaTypes.OCI_MANIFEST, m.toJson());
    }
    RegistryServer registry = RegistryServer.shared();
    Commands.run("skopeo", "copy", "--quiet", "--dest-tls-verify=false", "oci:" + layoutDir + ":v1", "docker://" + registry.reference("fullpull/it:v1"));

    long total = layers.stream().mapToLong(Descriptor::size).sum();
    try (LinkEmulator link = LinkEmulator.start(new InetSocketAddress("127.0.0.1", registry.port()), LinkProfile.parse("200mbit", "4ms"));
        ImageStore store = ImageStores.open(link.hostPort() + "/fullpull/it:v1", RegistryOptions.defaults())) {
      Path node = tmp.resolve("node");
      try (FullPull first = FullPull.pull(store, "v1", node, "c1")) {
        assertThat(first.bytesFetched()).isEqualTo(total);
        assertThat(Files.readString(first.rootfs().resolve("etc/hostname"))).isEqualTo("top");
        assertThat(first.rootfs().resolve("etc/gone")).doesNotExist();
      }
      try (FullPull second = FullPull.pull(store, "v1", node, "c2")) {
        assertThat(second.bytesFetched()).isZero();
        assertThat(Files.readString(second.rootfs().resolve("etc/hostname"))).isEqualTo("top");
      }
      assertThat(link.connections()).isPositive();
    }
  }

  private static Descriptor put(OciLayoutStore layout, Path file, String mediaType) throws Exception {
    Digest d = Digest.of(Digest.newSha256().digest(Files.readAllBytes(file)));
    layout.putBlob(d, Files.size(file), file);
    return new Descriptor(mediaType, d, Files.size(file));
  }
}
