package dev.lazypull.registry.layout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lazypull.oci.Descriptor;
import dev.lazypull.oci.Digest;
import dev.lazypull.oci.ImageManifest;
import dev.lazypull.oci.MediaTypes;
import dev.lazypull.registry.ErrorCode;
import dev.lazypull.registry.RegistryException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OciLayoutStoreTest {
  @TempDir Path tmp;

  @Test
  void writesALayoutAndReadsItBack() throws Exception {
    byte[] layer = new byte[100_000];
    new Random(1).nextBytes(layer);
    Path layerFile = Files.write(tmp.resolve("layer"), layer);
    byte[] config = "{}".getBytes(StandardCharsets.UTF_8);
    Digest layerDigest = Digest.sha256(layer);
    Path dir = tmp.resolve("layout");
    try (OciLayoutStore store = OciLayoutStore.openOrCreate(dir)) {
      store.putBlob(layerDigest, layer.length, layerFile);
      store.putBlob(Digest.sha256(config), config);
      byte[] manifest = ImageManifest.oci(new Descriptor(MediaTypes.OCI_CONFIG, Digest.sha256(config), config.length),
          List.of(new Descriptor(MediaTypes.OCI_LAYER_TAR, layerDigest, layer.length))).toJson();
      Digest m = store.putManifest("v1", MediaTypes.OCI_MANIFEST, manifest);
      assertThat(m).isEqualTo(Digest.sha256(manifest));
      store.putManifest("v2", MediaTypes.OCI_MANIFEST, manifest);
      store.putManifest("v1", MediaTypes.OCI_MANIFEST, manifest); // re-tagging replaces, not duplicates

      assertThat(store.listTags()).containsExactly("v2", "v1");
      assertThat(store.getManifest("v1").bytes()).isEqualTo(manifest);
      assertThat(store.getManifest(m.toString()).mediaType()).isEqualTo(MediaTypes.OCI_MANIFEST);
      assertThat(store.resolve("v2")).contains(m);
      assertThat(store.resolve("nope")).isEmpty();
      assertThat(store.blobSize(layerDigest)).contains((long) layer.length);
      assertThat(store.readBlobRange(layerDigest, 12345, 999)).isEqualTo(java.util.Arrays.copyOfRange(layer, 12345, 12345 + 999));
      try (InputStream in = store.openBlob(layerDigest)) {
        assertThat(in.readAllBytes()).isEqualTo(layer);
      }
    }
    assertThat(Files.readString(dir.resolve("oci-layout"))).contains("1.0.0");
    try (var files = Files.list(dir.resolve("blobs/sha256"))) {
      assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp"));
    }
  }

  @Test
  void rejectsContentThatIsNotItsDigestAndLeavesNothing() throws Exception {
    try (OciLayoutStore store = OciLayoutStore.openOrCreate(tmp)) {
      Digest claimed = Digest.sha256("x".getBytes(StandardCharsets.UTF_8));
      assertThatThrownBy(() -> store.putBlob(claimed, "y".getBytes(StandardCharsets.UTF_8)))
          .isInstanceOfSatisfying(RegistryException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.DIGEST_INVALID));
      try (var files = Files.list(tmp.resolve("blobs/sha256"))) {
        assertThat(files).isEmpty();
      }
    }
  }

  @Test
  void corruptedBlobFailsAtEndOfStream() throws Exception {
    byte[] data = "hello".getBytes(StandardCharsets.UTF_8);
    Digest d = Digest.sha256(data);
    try (OciLayoutStore store = OciLayoutStore.openOrCreate(tmp)) {
      store.putBlob(d, data);
      Files.writeString(tmp.resolve("blobs/sha256").resolve(d.hex()), "jello");
      try (InputStream in = store.openBlob(d)) {
        assertThatThrownBy(in::readAllBytes)
            .isInstanceOfSatisfying(RegistryException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.DIGEST_MISMATCH));
      }
    }
  }

  @Test
  void missingThingsAreNamed() throws Exception {
    assertThatThrownBy(() -> OciLayoutStore.open(tmp.resolve("none"))).hasMessageContaining("not an OCI image layout");
    try (var lazy = OciLayoutStore.at(tmp.resolve("typo"))) {
      assertThatThrownBy(() -> lazy.getManifest("v1")).hasMessageContaining("not an OCI image layout");
      assertThat(lazy.listTags()).isEmpty();
      assertThat(lazy.resolve("v1")).isEmpty();
    }
    assertThat(tmp.resolve("typo")).doesNotExist();
    try (OciLayoutStore store = OciLayoutStore.openOrCreate(tmp)) {
      assertThatThrownBy(() -> store.getManifest("v9"))
          .isInstanceOfSatisfying(RegistryException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.MANIFEST_UNKNOWN));
      assertThatThrownBy(() -> store.getManifest(null)).hasMessageContaining("holds 0 manifests");
      assertThatThrownBy(() -> store.openBlob(Digest.sha256(new byte[0])))
          .isInstanceOfSatisfying(RegistryException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.BLOB_UNKNOWN));
    }
  }
}
