package dev.lazypull.lazyfs.mount;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lazypull.lazyfs.stats.ReadStat;
import dev.lazypull.oci.Descriptor;
import dev.lazypull.oci.OciJson;
import dev.lazypull.registry.ImageStore;
import dev.lazypull.registry.ImageStores;
import dev.lazypull.registry.ManifestBytes;
import dev.lazypull.registry.RegistryOptions;
import dev.lazypull.lazyfs.fetch.FetchOptions;
import dev.lazypull.lazyfs.stats.StatsSnapshot;
import dev.lazypull.testkit.images.Commands;
import dev.lazypull.testkit.images.TestEntry;
import dev.lazypull.testkit.registry.FaultProxy;
import dev.lazypull.testkit.registry.RegistryServer;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The read path against a real registry behind the fault-injecting proxy: transport faults are
 * retried, corrupt bytes are never served, a registry that stops answering turns reads into EIO
 * within the fetch timeout and reads recover when it answers again, and a full cache disk only
 * costs the disk tier.
 */
class FaultsIT {
  private static final String IMAGE = "snapshotter/faults:lazy";
  private static final Duration FETCH_TIMEOUT = Duration.ofSeconds(3);
  @TempDir static Path work;
  private static byte[] big;
  private static FaultProxy proxy;
  private static ImageStore store;
  private static Path blobFile;

  @BeforeAll
  static void image() throws Exception {
    big = new byte[4 << 20];
    new Random(77).nextBytes(big); // an image of its own: the corruption test edits its blob
    Path layout = work.resolve("layout");
    TestImages.writeLayout(layout, "src", List.of(List.of(TestEntry.dir("data"), TestEntry.file("data/big", big))));
    RegistryServer registry = RegistryServer.shared();
    try (ImageStore direct = ImageStores.open(registry.reference(IMAGE), RegistryOptions.defaults())) {
      TestImages.convert(layout, "src", direct, "lazy", work.resolve("convert"));
      ManifestBytes mb = direct.getManifest("lazy");
      Descriptor layer = OciJson.parseManifest(mb.bytes(), mb.mediaType()).layers().getFirst();
      blobFile = registry.storageDirectory().resolve("docker/registry/v2/blobs/sha256")
          .resolve(layer.digest().hex().substring(0, 2)).resolve(layer.digest().hex()).resolve("data");
    }
    assertThat(blobFile).exists();
    proxy = FaultProxy.start(registry.hostPort());
    RegistryOptions fewRetries = RegistryOptions.defaults()
        .withRetries(2, Duration.ofMillis(50), Duration.ofMillis(200))
        .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(2));
    store = ImageStores.open(proxy.hostPort() + "/" + IMAGE, fewRetries);
  }

  @AfterAll
  static void close() throws IOException {
    if (store != null) {
      store.close();
    }
    if (proxy != null) {
      proxy.close();
    }
  }

  @AfterEach
  void clearFaults() {
    proxy.clearFaults();
  }

  private static ImageMount mount(String name, Path cacheDir) throws IOException {
    Path dir = Files.createDirectories(work.resolve(name));
    MountSettings settings = MountSettings.defaults(cacheDir)
        .withFetch(FetchOptions.defaults().withTimeout(FETCH_TIMEOUT));
    return ImageMount.open(store, "lazy", dir, settings);
  }

  @Test
  void resetsMidRangeAndServerErrorsAreRetried() throws Exception {
    try (ImageMount m = mount("mnt-retry", null)) {
      proxy.inject(FaultProxy.resetMidBody("/blobs/", 1000, 2));
      proxy.inject(FaultProxy.status("/blobs/", 503, 2));
      assertThat(Files.readAllBytes(m.mountPoint().resolve("data/big"))).isEqualTo(big);
      assertThat(m.stats().snapshot().get(ReadStat.READ_ERRORS)).isZero();
    }
  }

  @Test
  void aBlobDeletedFromTheRegistryFailsItsReadsAtOnceWithoutRetrying() throws Exception {
    byte[] data = new byte[1 << 20];
    new Random(404).nextBytes(data);
    Path layout = work.resolve("layout-404");
    TestImages.writeLayout(layout, "src", List.of(List.of(TestEntry.file("gone", data))));
    RegistryServer registry = RegistryServer.shared();
    String repo = "snapshotter/faults-404";
    Descriptor layer;
    try (ImageStore direct = ImageStores.open(registry.reference(repo), RegistryOptions.defaults())) {
      TestImages.convert(layout, "src", direct, "lazy", work.resolve("convert-404"));
      ManifestBytes mb = direct.getManifest("lazy");
      layer = OciJson.parseManifest(mb.bytes(), mb.mediaType()).layers().getFirst();
    }
    Path blobDir = registry.storageDirectory().resolve("docker/registry/v2/blobs/sha256")
        .resolve(layer.digest().hex().substring(0, 2)).resolve(layer.digest().hex());
    // A long deadline: a retried 404 would show as repeated requests, and as a timeout.
    MountSettings settings = MountSettings.defaults(null).withFetch(FetchOptions.defaults().withTimeout(Duration.ofSeconds(60)));
    try (ImageStore viaProxy = ImageStores.open(proxy.hostPort() + "/" + repo, RegistryOptions.defaults());
        ImageMount m = ImageMount.open(viaProxy, "lazy", Files.createDirectories(work.resolve("mnt-404")), settings)) {
      Files.walk(blobDir).sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      int before = proxy.requests().size();

      assertThatThrownBy(() -> Files.readAllBytes(m.mountPoint().resolve("gone")))
          .isInstanceOf(IOException.class).hasMessageContaining("Input/output error");

      List<String> ranges = proxy.requests().subList(before, proxy.requests().size()).stream()
          .filter(r -> r.target().contains(layer.digest().toString()))
          .map(r -> r.headers().get("range")).toList();
      // One request per failed FUSE read (the kernel may retry a failed readahead read itself):
      // the 404 was not retried by us.
      assertThat(ranges).isNotEmpty();
      assertThat((long) ranges.size()).isLessThanOrEqualTo(m.stats().snapshot().get(ReadStat.READ_ERRORS));
      assertThat(m.stats().snapshot().get(ReadStat.FETCH_TIMEOUTS)).isZero();
    }
  }

  @Test
  void corruptBytesAreNeverServedAndReadsRecoverOnceTheBlobIsSound() throws Exception {
    try (ImageMount m = mount("mnt-corrupt", null);
        RandomAccessFile blob = new RandomAccessFile(blobFile.toFile(), "rw")) {
      long at = 100_000;
      blob.seek(at);
      int original = blob.read();
      blob.seek(at);
      blob.write(original ^ 0xff);
      try {
        assertThatThrownBy(() -> Files.readAllBytes(m.mountPoint().resolve("data/big")))
            .isInstanceOf(IOException.class).hasMessageContaining("Input/output error");
      } finally {
        blob.seek(at);
        blob.write(original);
      }
      assertThat(m.stats().snapshot().get(ReadStat.VERIFICATION_FAILURES)).isGreaterThanOrEqualTo(2);
      assertThat(Files.readAllBytes(m.mountPoint().resolve("data/big"))).isEqualTo(big);
    }
  }

  @Test
  void aRegistryThatStopsAnsweringFailsReadsInBoundedTimeAndRecovers() throws Exception {
    try (ImageMount m = mount("mnt-stall", null)) {
      proxy.inject(FaultProxy.stall("/blobs/", Integer.MAX_VALUE));
      long start = System.nanoTime();
      assertThatThrownBy(() -> Files.readAllBytes(m.mountPoint().resolve("data/big")))
          .isInstanceOf(IOException.class).hasMessageContaining("Input/output error");
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(FETCH_TIMEOUT.multipliedBy(3));
      assertThat(m.stats().snapshot().get(ReadStat.FETCH_TIMEOUTS)).isPositive();

      proxy.clearFaults();
      assertThat(Files.readAllBytes(m.mountPoint().resolve("data/big"))).isEqualTo(big);
    }
  }

  @Test
  void aFullCacheDiskStillServesEveryReadAndLeavesOnlyWholeChunks() throws Exception {
    Path small = Files.createDirectories(work.resolve("small-cache"));
    Commands.run(30, "mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", small.toString());
    try (ImageMount m = mount("mnt-full", small)) {
      assertThat(Files.readAllBytes(m.mountPoint().resolve("data/big"))).isEqualTo(big);
      StatsSnapshot s = m.stats().snapshot();
      assertThat(s.get(ReadStat.READ_ERRORS)).isZero();
      m.close(); // waits for the disk writes
      assertThat(m.stats().snapshot().get(ReadStat.DISK_WRITE_FAILURES)).isPositive();
      try (Stream<Path> files = Files.walk(small)) {
        for (Path f : files.filter(Files::isRegularFile).toList()) {
          String name = f.getFileName().toString();
          assertThat(name).as("no temporary file left").matches("[0-9a-f]{64}");
          assertThat(dev.lazypull.oci.Digest.sha256(Files.readAllBytes(f)).hex()).as("whole chunk").isEqualTo(name);
        }
      }
    } finally {
      Commands.run(30, "umount", small.toString());
    }
  }
}
