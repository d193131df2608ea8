package dev.lazypull.registry.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lazypull.oci.Descriptor;
import dev.lazypull.oci.Digest;
import dev.lazypull.oci.ImageIndex;
import dev.lazypull.oci.MediaTypes;
import dev.lazypull.oci.OciJson;
import dev.lazypull.oci.Platform;
import dev.lazypull.registry.CredentialSource;
import dev.lazypull.registry.ErrorCode;
import dev.lazypull.registry.ImageStore;
import dev.lazypull.registry.ImageStores;
import dev.lazypull.registry.ManifestBytes;
import dev.lazypull.registry.RegistryException;
import dev.lazypull.registry.RegistryOptions;
import dev.lazypull.registry.TestImage;
import dev.lazypull.testkit.registry.RegistryServer;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** registry-client against Debian's docker-registry (distribution 2.8). */
class RemoteStoreIT {
  static final RegistryOptions OPTIONS = RegistryOptions.defaults().withCredentials(CredentialSource.none());
  @TempDir Path tmp;
  private final RegistryServer registry = RegistryServer.shared();

  @Test
  void pushesAMultiLayerImageAndPullsItByTagAndDigest() throws Exception {
    TestImage image = TestImage.random(tmp, 1, 300_000, 1, 70_000, 0);
    try (ImageStore store = ImageStores.open(registry.reference("it/multi"), OPTIONS)) {
      Digest digest = image.push(store, "v1");
      ManifestBytes byTag = store.getManifest("v1");
      assertThat(byTag.digest()).isEqualTo(digest);
      assertThat(byTag.mediaType()).isEqualTo(MediaTypes.OCI_MANIFEST);
      assertThat(OciJson.parseManifest(byTag.bytes())).isEqualTo(image.manifest());
      assertThat(store.getManifest(digest.toString()).bytes()).isEqualTo(image.manifest().toJson());
      assertThat(store.resolve("v1")).contains(digest);
      assertThat(store.resolve("nope")).isEmpty();
      for (int i = 0; i < image.layers().size(); i++) {
        assertThat(store.blobSize(image.layerDigest(i))).contains((long) image.layers().get(i).length);
        try (InputStream in = store.openBlob(image.layerDigest(i))) {
          assertThat(in.readAllBytes()).isEqualTo(image.layers().get(i));
        }
      }
      assertThat(store.listTags()).containsExactly("v1");
      // Pushing again finds every blob present and moves nothing.
      assertThat(image.push(store, "v2")).isEqualTo(digest);
      assertThat(store.listTags()).containsExactlyInAnyOrder("v1", "v2");
    }
  }

  @Test
  void rangeReadsOfManySizesAtArbitraryOffsetsMatchByteForByte() throws Exception {
    TestImage image = TestImage.random(tmp, 2, 3_000_000);
    byte[] layer = image.layers().getFirst();
    try (ImageStore store = ImageStores.open(registry.reference("it/ranges"), OPTIONS)) {
      image.push(store, "latest");
      Random random = new Random(7);
      int[] sizes = {1, 2, 511, 4096, 65_536, 65_537, 1 << 20, layer.length};
      for (int size : sizes) {
        for (int k = 0; k < 4; k++) {
          long offset = size == layer.length ? 0 : random.nextInt(layer.length - size + 1);
          byte[] got = store.readBlobRange(image.layerDigest(0), offset, size);
          assertThat(got).as("range %d+%d", offset, size).isEqualTo(Arrays.copyOfRange(layer, (int) offset, (int) offset + size));
        }
      }
      assertThat(store.readBlobRange(image.layerDigest(0), layer.length - 1, 1)).containsExactly(layer[layer.length - 1]);
      assertThat(store.readBlobRange(image.layerDigest(0), 5, 0)).isEmpty();
      assertThatThrownBy(() -> store.readBlobRange(image.layerDigest(0), layer.length + 10, 5))
          .isInstanceOfSatisfying(RegistryException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.RANGE_NOT_SATISFIED));
    }
  }

  @Test
  void parallelRangeReadsOnVirtualThreads() throws Exception {
    TestImage image = TestImage.random(tmp, 3, 4_000_000);
    byte[] layer = image.layers().getFirst();
    RegistryOptions four = OPTIONS.withMaxParallelRequests(4);
    try (ImageStore store = ImageStores.open(registry.reference("it/parallel"), four);
        var executor = Executors.newVirtualThreadPerTaskExecutor()) {
      image.push(store, "latest");
      List<Future<Boolean>> results = new ArrayList<>();
      Random random = new Random(11);
      for (int i = 0; i < 64; i++) {
        int size = 1 + random.nextInt(200_000);
        int offset = random.nextInt(layer.length - size);
        results.add(executor.submit(() -> Arrays.equals(store.readBlobRange(image.layerDigest(0), offset, size),
            Arrays.copyOfRange(layer, offset, offset + size))));
      }
      for (Future<Boolean> f : results) {
        assertThat(f.get()).isTrue();
      }
    }
  }

  @Test
  void crossRepositoryMountMakesABlobAvailableWithoutUpload() throws Exception {
    TestImage image = TestImage.random(tmp, 4, 123_456);
    try (ImageStore source = ImageStores.open(registry.reference("it/mount-source"), OPTIONS);
        ImageStore target = ImageStores.open(registry.reference("it/mount-target"), OPTIONS)) {
      image.push(source, "v1");
      Digest layer = image.layerDigest(0);
      assertThat(target.blobSize(layer)).isEmpty();
      assertThat(target.mountBlob(layer, "it/mount-source")).isTrue();
      assertThat(target.blobSize(layer)).contains((long) image.layers().getFirst().length);
      assertThat(target.readBlobRange(layer, 100, 10)).isEqualTo(Arrays.copyOfRange(image.layers().getFirst(), 100, 110));
      // A blob the source lacks is not mounted, and nothing is left behind.
      Digest absent = Digest.sha256("absent".getBytes());
      assertThat(target.mountBlob(absent, "it/mount-source")).isFalse();
      assertThat(target.blobSize(absent)).isEmpty();
      assertThat(target.mountBlob(layer, "ghcr.io/other/repo")).isFalse();
      assertThat(target.mountBlob(layer, "localhost:1/it/mount-source")).isFalse();
      Digest second = image.manifest().config().digest();
      assertThat(target.mountBlob(second, registry.hostPort() + "/it/mount-source")).isTrue();
    }
  }

  @Test
  void manifestListSelectsThePlatform() throws Exception {
    TestImage amd = TestImage.random(tmp, 5, 1000);
    TestImage arm = TestImage.random(tmp, 6, 2000);
    try (ImageStore store = ImageStores.open(registry.reference("it/multiarch"), OPTIONS)) {
      Digest amdDigest = amd.push(store, null);
      Digest armDigest = arm.push(store, null);
      ImageIndex index = ImageIndex.oci(List.of(
          new Descriptor(MediaTypes.OCI_MANIFEST, armDigest, arm.manifest().toJson().length, Map.of(), new Platform("linux", "arm64", "v8")),
          new Descriptor(MediaTypes.OCI_MANIFEST, amdDigest, amd.manifest().toJson().length, Map.of(), new Platform("linux", "amd64", null))));
      Digest indexDigest = store.putManifest("multi", MediaTypes.OCI_INDEX, index.toJson());
      ManifestBytes fetched = store.getManifest("multi");
      assertThat(fetched.mediaType()).isEqualTo(MediaTypes.OCI_INDEX);
      assertThat(fetched.digest()).isEqualTo(indexDigest);
      ImageIndex parsed = OciJson.parseIndex(fetched.bytes());
      Descriptor chosen = parsed.select(new Platform("linux", "arm64", null)).orElseThrow();
      assertThat(chosen.digest()).isEqualTo(armDigest);
      assertThat(OciJson.parseManifest(store.getManifest(chosen.digest().toString()).bytes())).isEqualTo(arm.manifest());
      assertThat(parsed.select(new Platform("linux", "amd64", null)).orElseThrow().digest()).isEqualTo(amdDigest);
    }
  }

  @Test
  void chunkedUploadOfALargeBlob() throws Exception {
    TestImage image = TestImage.random(tmp, 8, 2_500_000);
    RegistryOptions chunked = OPTIONS.withChunkedUploads(1 << 20, 1 << 20);
    try (ImageStore store = ImageStores.open(registry.reference("it/chunked"), chunked)) {
      image.push(store, "v1");
      try (InputStream in = store.openBlob(image.layerDigest(0))) {
        assertThat(in.readAllBytes()).isEqualTo(image.layers().getFirst());
      }
    }
  }

  @Test
  void tagListFollowsPagination() throws Exception {
    TestImage image = TestImage.random(tmp, 9, 10);
    try (RemoteStore store = (RemoteStore) ImageStores.open(registry.reference("it/tags"), OPTIONS)) {
      assertThat(store.listTags()).isEmpty();
      for (String tag : List.of("a", "b", "c", "d", "e")) {
        image.push(store, tag);
      }
      // Five tags in pages of two: only by following the Link header do all arrive (distribution 2.8 does not sort them).
      assertThat(store.listTags(2)).containsExactlyInAnyOrder("a", "b", "c", "d", "e");
    }
  }

  @Test
  void missingThingsGiveTheRegistrysErrorCode() throws Exception {
    try (ImageStore store = ImageStores.open(registry.reference("it/missing"), OPTIONS)) {
      assertThatThrownBy(() -> store.getManifest("nope"))
          .isInstanceOfSatisfying(RegistryException.class, e -> {
            assertThat(e.code()).isIn(ErrorCode.MANIFEST_UNKNOWN, ErrorCode.NAME_UNKNOWN);
            assertThat(e.httpStatus()).isEqualTo(404);
            assertThat(e.getMessage()).contains("it/missing:nope").contains(e.code().hint());
          });
      assertThatThrownBy(() -> store.getManifest("bad/../tag")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("invalid tag");
      assertThatThrownBy(() -> store.getManifest("sha256:xyz")).isInstanceOf(IllegalArgumentException.class);
      Digest absent = Digest.sha256("none".getBytes());
      assertThatThrownBy(() -> store.readBlobRange(absent, 0, 10))
          .isInstanceOfSatisfying(RegistryException.class, e -> assertThat(e.code()).isIn(ErrorCode.BLOB_UNKNOWN, ErrorCode.NAME_UNKNOWN));
      assertThat(store.blobSize(absent)).isEmpty();
    }
  }
}
