package dev.lazypull.lazyfs.mount;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lazypull.lazyfs.stats.ReadStat;
import dev.lazypull.registry.ImageStore;
import dev.lazypull.registry.ImageStores;
import dev.lazypull.registry.RegistryOptions;
import dev.lazypull.lazyfs.image.NotLazyImageException;
import dev.lazypull.lazyfs.stats.StatsSnapshot;
import dev.lazypull.testkit.images.SyntheticImages;
import dev.lazypull.testkit.images.TestEntry;
import dev.lazypull.testkit.images.TestLayout;
import dev.lazypull.testkit.images.Unpacker;
import dev.lazypull.testkit.registry.RegistryServer;
import dev.lazypull.testkit.tree.TreeSnapshot;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A synthetic image with every entry type, converted into a real registry and mounted through
 * real FUSE, against umoci's extraction of the original image.
 */
class ImageMountIT {
  private static final String REPO = "snapshotter/synthetic";
  @TempDir static Path work;
  private static Path rootfs;
  private static Path syntheticRootfs;
  private static ImageStore store;
  private static ImageStore sourceInRegistry;

  @BeforeAll
  static void image() throws Exception {
    RegistryServer registry = RegistryServer.shared();
    Path layout = work.resolve("layout");
    TestImages.writeLayout(layout, "src", layers());
    rootfs = Unpacker.unpack(layout, "src", work.resolve("bundle"));
    SyntheticImages.write(layout, TestLayout.Compression.GZIP, TestLayout.Flavor.OCI);
    syntheticRootfs = Unpacker.unpack(layout, SyntheticImages.TAG, work.resolve("bundle-synthetic"));
    store = ImageStores.open(registry.reference(REPO + ":lazy"), RegistryOptions.defaults());
    TestImages.convert(layout, "src", store, "lazy", work.resolve("convert"));
    TestImages.convert(layout, SyntheticImages.TAG, store, SyntheticImages.TAG, work.resolve("convert"));
    // The same image unconverted, for the "not lazy" error.
    sourceInRegistry = ImageStores.open(registry.reference(REPO + "-plain:src"), RegistryOptions.defaults());
    try (var layoutStore = dev.lazypull.registry.layout.OciLayoutStore.open(layout)) {
      var mb = layoutStore.getManifest("src");
      var manifest = dev.lazypull.oci.OciJson.parseManifest(mb.bytes(), mb.mediaType());
      for (var d : concat(manifest.config(), manifest.layers())) {
        try (var in = layoutStore.openBlob(d.digest())) {
          sourceInRegistry.putBlob(d.digest(), in.readAllBytes());
        }
      }
      sourceInRegistry.putManifest("src", mb.mediaType(), mb.bytes());
    }
  }

  private static List<dev.lazypull.oci.Descriptor> concat(dev.lazypull.oci.Descriptor first, List<dev.lazypull.oci.Descriptor> rest) {
    List<dev.lazypull.oci.Descriptor> all = new ArrayList<>(List.of(first));
    all.addAll(rest);
    return all;
  }

  @AfterAll
  static void closeStores() throws IOException {
    for (ImageStore s : new ImageStore[] {store, sourceInRegistry}) {
      if (s != null) {
        s.close();
      }
    }
  }

  static List<List<TestEntry>> layers() {
    Random random = new Random(5);
    byte[] big = new byte[3 << 20];
    random.nextBytes(big);
    List<TestEntry> lower = new ArrayList<>(List.of(
        TestEntry.dir("etc"),
        TestEntry.file("etc/hostname", "lazy\n"),
        TestEntry.file("etc/owned", "owned by 1000").owner(1000, 1001).mtime(1_600_000_000L, 123_456_789),
        TestEntry.dir("usr").mode(0755),
        TestEntry.dir("usr/bin"),
        TestEntry.file("usr/bin/big", big).mode(0755),
        TestEntry.hardlink("usr/bin/big-hardlink", "usr/bin/big"),
        TestEntry.symlink("usr/bin/big-symlink", "big"),
        TestEntry.file("usr/bin/setuid", "#!/bin/sh\n").mode(04755),
        TestEntry.dir("tmp").mode(01777),
        TestEntry.file("empty", new byte[0]),
        TestEntry.charDevice("dev-null", 1, 3),
        TestEntry.blockDevice("dev-sda", 8, 0),
        TestEntry.fifo("fifo"),
        TestEntry.file("xattr-file", "x").xattr("user.lazypull", "value".getBytes(StandardCharsets.UTF_8)),
        TestEntry.dir("gone"),
        TestEntry.file("gone/file", "to be deleted"),
        TestEntry.dir("opaque"),
        TestEntry.file("opaque/hidden", "hidden by the upper layer"),
        TestEntry.dir("many")));
    for (int i = 0; i < 300; i++) {
      byte[] data = new byte[random.nextInt(20_000)];
      random.nextBytes(data);
      lower.add(TestEntry.file("many/f" + i, data));
    }
    List<TestEntry> upper = List.of(
        TestEntry.whiteout("gone"),
        TestEntry.dir("opaque"),
        TestEntry.opaque("opaque"),
        TestEntry.file("opaque/new", "only this"),
        TestEntry.file("etc/hostname", "upper\n"));
    return List.of(lower, upper);
  }

  private static MountSettings settings(Path cacheDir, long memoryBytes) {
    // These tests count what reads fetch: no background fetch alongside.
    return MountSettings.defaults(cacheDir).withMemoryBytes(memoryBytes)
        .withPrefetch(dev.lazypull.lazyfs.prefetch.PrefetchSettings.defaults().withBackground(false));
  }

  private static Path emptyDir(String name) throws IOException {
    return Files.createDirectories(work.resolve(name));
  }

  @Test
  void theMountedTreeEqualsUmocisExtractionAndAWarmMountFetchesNothing() throws Exception {
    Path cache = work.resolve("cache-tree");
    Path dir = emptyDir("mnt-tree");
    TreeSnapshot expected = TreeSnapshot.of(rootfs);
    try (ImageMount mount = ImageMount.open(store, "lazy", dir, settings(cache, 64 << 20))) {
      TreeSnapshot.of(dir).assertSameAs(expected, "mounted lazy image vs umoci extraction");
      assertThat(mount.stats().snapshot().get(ReadStat.BYTES_FETCHED)).isPositive();
    }
    try (ImageMount warm = ImageMount.open(store, "lazy", dir, settings(cache, 64 << 20))) {
      TreeSnapshot.of(dir).assertSameAs(expected, "warm mount vs umoci extraction");
      StatsSnapshot s = warm.stats().snapshot();
      assertThat(s.get(ReadStat.BYTES_FETCHED)).isZero();
      assertThat(s.get(ReadStat.RANGE_REQUESTS)).isZero();
      assertThat(s.get(ReadStat.DISK_HITS)).isPositive();
    }
  }

  @Test
  void theProjectsSyntheticFeatureImageMountsAsUmociExtractsIt() throws Exception {
    Path dir = emptyDir("mnt-synthetic");
    try (ImageMount mount = ImageMount.open(store, SyntheticImages.TAG, dir, settings(null, 64 << 20))) {
      TreeSnapshot.of(dir).assertSameAs(TreeSnapshot.of(syntheticRootfs), "mounted synthetic feature image vs umoci extraction");
      assertThat(mount.stats().snapshot().get(ReadStat.READ_ERRORS)).isZero();
    }
  }

  @Test
  void hardlinksShareAnInodeAndWritesAreRefused() throws Exception {
    Path dir = emptyDir("mnt-posix");
    try (ImageMount mount = ImageMount.open(store, "lazy", dir, settings(null, 16 << 20))) {
      Object ino = Files.getAttribute(dir.resolve("usr/bin/big"), "unix:ino");
      assertThat(Files.getAttribute(dir.resolve("usr/bin/big-hardlink"), "unix:ino")).isEqualTo(ino);
      assertThat(Files.getAttribute(dir.resolve("usr/bin/big"), "unix:nlink")).isEqualTo(2);
      assertThat(Files.readSymbolicLink(dir.resolve("usr/bin/big-symlink"))).isEqualTo(Path.of("big"));
      assertThatThrownBy(() -> Files.writeString(dir.resolve("etc/hostname"), "x"))
          .isInstanceOf(FileSystemException.class).hasMessageContaining("Read-only file system");
      assertThatThrownBy(() -> Files.createFile(dir.resolve("new"))).isInstanceOf(FileSystemException.class);
      assertThat(Files.getFileStore(dir).getTotalSpace()).isPositive();
    }
    assertThat(Files.list(dir).count()).as("nothing left mounted").isZero();
  }

  @Test
  void concurrentRandomReadsUnderATinyMemoryTierMatchTheExtraction() throws Exception {
    Path dir = emptyDir("mnt-concurrent");
    List<String> files = new ArrayList<>(List.of("usr/bin/big"));
    for (int i = 0; i < 300; i += 7) {
      files.add("many/f" + i);
    }
    try (ImageMount mount = ImageMount.open(store, "lazy", dir, settings(work.resolve("cache-concurrent"), 512 << 10));
        ExecutorService pool = Executors.newFixedThreadPool(16)) {
      List<Future<Integer>> results = new ArrayList<>();
      for (int t = 0; t < 16; t++) {
        int seed = t;
        results.add(pool.submit(() -> {
          Random r = new Random(seed);
          int reads = 0;
          for (int i = 0; i < 60; i++) {
            String f = files.get(r.nextInt(files.size()));
            byte[] want = Files.readAllBytes(rootfs.resolve(f));
            if (want.length == 0) {
              continue;
            }
            int off = r.nextInt(want.length);
            int len = 1 + r.nextInt(Math.min(want.length - off, 300_000));
            ByteBuffer got = ByteBuffer.allocate(len);
            try (FileChannel ch = FileChannel.open(dir.resolve(f))) {
              while (got.hasRemaining() && ch.read(got, off + got.position()) > 0) {
                // read until the range is complete
              }
            }
            assertThat(got.array()).isEqualTo(Arrays.copyOfRange(want, off, off + len));
            reads++;
          }
          return reads;
        }));
      }
      for (Future<Integer> f : results) {
        assertThat(f.get(120, TimeUnit.SECONDS)).isPositive();
      }
      assertThat(mount.stats().snapshot().get(ReadStat.READ_ERRORS)).isZero();
    }
  }

  @Test
  void anUnmountFromOutsideIsSeenByTheServerAndCompletesUnmounted() throws Exception {
    Path dir = emptyDir("mnt-umount");
    try (ImageMount mount = ImageMount.open(store, "lazy", dir, settings(null, 16 << 20))) {
      assertThat(Files.readAllBytes(dir.resolve("etc/hostname"))).isNotEmpty();
      assertThat(mount.unmounted()).isNotDone();
      Process umount = new ProcessBuilder("umount", dir.toString()).inheritIO().start();
      assertThat(umount.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(umount.exitValue()).isZero();
      mount.unmounted().get(30, TimeUnit.SECONDS);
    }
    assertThat(Files.readString(Path.of("/proc/self/mounts"))).doesNotContain(dir.toString());
  }

  @Test
  void twoMountsOverOneNodeCacheFetchEachChunkOnce() throws Exception {
    Path a = emptyDir("mnt-shared-a");
    Path b = emptyDir("mnt-shared-b");
    dev.lazypull.lazyfs.stats.ReadStats node = new dev.lazypull.lazyfs.stats.ReadStats();
    byte[] want = Files.readAllBytes(rootfs.resolve("usr/bin/big"));
    try (dev.lazypull.lazyfs.cache.ChunkCache cache =
            dev.lazypull.lazyfs.cache.ChunkCache.open(64 << 20, work.resolve("cache-shared"), 1L << 30, node)) {
      var statsA = new dev.lazypull.lazyfs.stats.ReadStats();
      var statsB = new dev.lazypull.lazyfs.stats.ReadStats();
      try (ImageMount first = ImageMount.open(store, "lazy", a, settings(null, 1 << 20), cache, statsA);
          ImageMount second = ImageMount.open(store, "lazy", b, settings(null, 1 << 20), cache, statsB)) {
        assertThat(Files.readAllBytes(a.resolve("usr/bin/big"))).isEqualTo(want);
        assertThat(Files.readAllBytes(b.resolve("usr/bin/big"))).isEqualTo(want);
        assertThat(first.stats().snapshot().get(ReadStat.BYTES_FETCHED)).isPositive();
        assertThat(second.stats().snapshot().get(ReadStat.BYTES_FETCHED)).isZero();
        assertThat(second.stats().snapshot().get(ReadStat.MEMORY_HITS)).isPositive();
      }
      // The mounts are gone, the node's cache is not.
      assertThat(node.snapshot().get(ReadStat.MEMORY_CACHE_BYTES)).isGreaterThanOrEqualTo(want.length);
    }
  }

  @Test
  void anImageThatIsNotLazyIsRefusedWithTheCommandToConvertItAndNothingIsMounted() throws Exception {
    Path dir = emptyDir("mnt-plain");
    assertThatThrownBy(() -> ImageMount.open(sourceInRegistry, "src", dir, settings(null, 1 << 20)))
        .isInstanceOf(NotLazyImageException.class)
        .hasMessageContaining("lazypull convert");
    assertThat(Files.readString(Path.of("/proc/self/mounts"))).doesNotContain(dir.toString());
  }

  @Test
  void aMountPointThatIsNotAnEmptyDirectoryIsRefused() throws Exception {
    Path dir = emptyDir("mnt-busy");
    Files.writeString(dir.resolve("file"), "x");
    assertThatThrownBy(() -> ImageMount.open(store, "lazy", dir, settings(null, 1 << 20)))
        .hasMessageContaining("not empty");
    assertThatThrownBy(() -> ImageMount.open(store, "lazy", dir.resolve("file"), settings(null, 1 << 20)))
        .hasMessageContaining("not a directory");
  }
}
