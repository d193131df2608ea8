package dev.lazypull.lazyfs.mount;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lazypull.format.EntryType;
import dev.lazypull.format.FormatException;
import dev.lazypull.format.IndexBudget;
import dev.lazypull.format.IndexTooLargeException;
import dev.lazypull.format.TarEntry;
import dev.lazypull.format.toc.FrameTable;
import dev.lazypull.format.toc.LayerToc;
import dev.lazypull.format.toc.TocWriter;
import dev.lazypull.fuse.sys.MountTable;
import dev.lazypull.lazyfs.stats.ReadStat;
import dev.lazypull.oci.Digest;
import dev.lazypull.oci.OciJson;
import dev.lazypull.registry.ImageStore;
import dev.lazypull.registry.ImageStores;
import dev.lazypull.registry.RegistryOptions;
import dev.lazypull.registry.layout.OciLayoutStore;
import dev.lazypull.lazyfs.fetch.FetchOptions;
import dev.lazypull.testkit.images.Commands;
import dev.lazypull.testkit.images.HostileImages;
import dev.lazypull.testkit.images.TestEntry;
import dev.lazypull.testkit.registry.RegistryServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.IntUnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cases of issue 15, as a new user met them: lazy images in a real registry whose TOC a hostile
 * author replaced (well formed, every digest correctly pinned), mounted through real FUSE. The
 * three that cannot be served are refused at mount with a message naming the layer and the check,
 * and nothing is mounted; a frame length that only a read can find wrong fails that read at once
 * with EIO, without retries or waiting for the fetch deadline, while the rest of the image serves.
 */
class HostileImagesIT {
  private static final String REPO = "snapshotter/hostile";
  /** Long, so that a read failing by the deadline rather than at once could not pass for EIO. */
  private static final Duration FETCH_TIMEOUT = Duration.ofSeconds(60);
  @TempDir static Path work;
  private static ImageStore store;
  private static int bigFrame;
  private static byte[] small;

  @BeforeAll
  static void images() throws Exception {
    Random random = new Random(15);
    byte[] big = new byte[4 << 20];
    random.nextBytes(big);
    small = "a file in a frame the hostile TOC leaves alone\n".getBytes();
    Path source = work.resolve("source");
    TestImages.writeLayout(source, "src", List.of(List.of(TestEntry.dir("data"), TestEntry.file("data/small", small),
        TestEntry.file("data/big", big))));
    Path lazy = work.resolve("lazy");
    try (OciLayoutStore target = OciLayoutStore.openOrCreate(lazy)) {
      TestImages.convert(source, "src", target, "good", work.resolve("convert"));
    }
    byte[] tocFrame = HostileImages.tocFrame(lazy, "good", 0);
    LayerToc toc = LayerToc.read(tocFrame, Digest.sha256(tocFrame), Digest.sha256(new byte[0]));
    bigFrame = toc.frames().frameAt(dataOffsetOf(toc, "data/big"));

    HostileImages.withToc(lazy, "good", "absurd-uncompressed", 0,
        rewritten(toc, i -> i == bigFrame ? 1_500_000_000 : -1, i -> -1, 0));
    HostileImages.withToc(lazy, "good", "past-the-blob", 0,
        rewritten(toc, i -> -1, i -> i == bigFrame ? 2_000_000_000 : -1, 0));
    // 4,090 entries with a 64 KiB xattr each: a body of 268 MB, just under the format's 256 MiB
    HostileImages.withToc(lazy, "good", "inflating", 0, rewritten(toc, i -> -1, i -> -1, 4_090));
    // a length that fits every check at mount, and that only the frame itself shows to be wrong
    HostileImages.withToc(lazy, "good", "wrong-length", 0,
        rewritten(toc, i -> i == bigFrame ? toc.frames().uncompressedLength(i) + 4096 : -1, i -> -1, 0));

    RegistryServer registry = RegistryServer.shared();
    for (String tag : List.of("good", "absurd-uncompressed", "past-the-blob", "inflating", "wrong-length")) {
      Commands.run(300, "skopeo", "copy", "-q", "--preserve-digests", "--dest-tls-verify=false",
          "oci:" + lazy + ":" + tag, "docker://" + registry.reference(REPO + ":" + tag));
    }
    store = ImageStores.open(registry.reference(REPO + ":good"), RegistryOptions.defaults());
  }

  @AfterAll
  static void close() throws IOException {
    if (store != null) {
      store.close();
    }
  }

  @Test
  void anAbsurdUncompressedFrameLengthIsRefusedAtMount() throws Exception {
    assertRefused("absurd-uncompressed", FormatException.class,
        "uncompressed length of frame " + bigFrame + " 1500000000 is out of range (max " + FrameTable.MAX_FRAME_BYTES + ")");
  }

  @Test
  void aCompressedFrameLengthPastTheBlobIsRefusedAtMount() throws Exception {
    assertRefused("past-the-blob", FormatException.class, "frame " + bigFrame + " (bytes ");
    assertRefused("past-the-blob", FormatException.class, "runs past the frames' end at byte");
  }

  @Test
  void aTocInflatingTo268MbIsRefusedByTheIndexBudget() throws Exception {
    // the default budget (1 GiB): the body fits, what it asks to hold does not
    assertRefused("inflating", IndexTooLargeException.class, "would take the index past its memory limit of "
        + (1L << 30) + " bytes");
    // a smaller budget refuses before the body is even inflated
    assertRefused("inflating", MountSettings.defaults(null).withIndexBytes(64 << 20), IndexTooLargeException.class,
        "its body of 268");
  }

  @Test
  void aFrameOfAnotherLengthThanItsTocSaysFailsItsReadsAtOnceAndTheRestServes() throws Exception {
    Path dir = Files.createDirectories(work.resolve("mnt-wrong-length"));
    try (ImageMount mount = ImageMount.open(store, "wrong-length", dir, settings())) {
      long start = System.nanoTime();
      assertThatThrownBy(() -> Files.readAllBytes(dir.resolve("data/big"))).isInstanceOf(IOException.class)
          .hasMessageContaining("Input/output error");
      long failedAfter = System.nanoTime() - start;
      assertThat(Files.readAllBytes(dir.resolve("data/small"))).isEqualTo(small);
      assertThat(mount.stats().snapshot().get(ReadStat.FETCH_TIMEOUTS)).isZero();
      System.out.printf("HostileImagesIT: read of a frame of the wrong length failed (EIO) after %.0f ms (fetch timeout %d s)%n",
          failedAfter / 1e6, FETCH_TIMEOUT.toSeconds());
    }
  }

  @Test
  void theUntouchedImageMountsAndServes() throws Exception {
    Path dir = Files.createDirectories(work.resolve("mnt-good"));
    try (ImageMount mount = ImageMount.open(store, "good", dir, settings())) {
      assertThat(Files.readAllBytes(dir.resolve("data/small"))).isEqualTo(small);
      assertThat(Files.size(dir.resolve("data/big"))).isEqualTo(4 << 20);
      assertThat(Files.readAllBytes(dir.resolve("data/big"))).hasSize(4 << 20);
    }
  }

  @Test
  void aNodeWideIndexBoundIsSharedByMountsAndGivenBackWhenOneGoes() throws Exception {
    IndexBudget node = IndexBudget.of(64 << 20);
    MountSettings shared = settings().withNodeIndexBudget(node);
    Path dir = Files.createDirectories(work.resolve("mnt-shared-good"));
    try (ImageMount good = ImageMount.open(store, "good", dir, shared)) {
      long goodShare = node.used();
      assertThat(goodShare).isPositive();
      assertRefused("inflating", shared, IndexTooLargeException.class, "the node's index memory is exhausted");
      assertThat(node.used()).as("the refused image gave back what it took").isEqualTo(goodShare);
      assertThat(Files.readAllBytes(dir.resolve("data/small"))).isEqualTo(small);
    }
    assertThat(node.used()).isZero();
  }

  private static MountSettings settings() {
    return MountSettings.defaults(null).withFetch(FetchOptions.defaults().withTimeout(FETCH_TIMEOUT));
  }

  private static void assertRefused(String tag, Class<? extends Exception> type, String check) throws IOException {
    assertRefused(tag, settings(), type, check);
  }

  private static void assertRefused(String tag, MountSettings settings, Class<? extends Exception> type, String check)
      throws IOException {
    Path dir = Files.createDirectories(work.resolve("mnt-" + tag + "-" + System.nanoTime()));
    var manifest = store.getManifest(tag);
    Digest layer = OciJson.parseManifest(manifest.bytes(), manifest.mediaType()).layers().getFirst().digest();
    long start = System.nanoTime();
    assertThatThrownBy(() -> ImageMount.open(store, tag, dir, settings).close())
        .isInstanceOf(type)
        .hasMessageContaining("layer " + layer)
        .hasMessageContaining(check);
    System.out.printf("HostileImagesIT: %s refused at mount after %.0f ms%n", tag, (System.nanoTime() - start) / 1e6);
    assertThat(MountTable.at(dir)).as("nothing is mounted").isEmpty();
    try (var entries = Files.list(dir)) {
      assertThat(entries).isEmpty();
    }
  }

  private static long dataOffsetOf(LayerToc toc, String path) {
    for (int i = 0; i < toc.entryCount(); i++) {
      if (toc.path(i).equals(path)) {
        return toc.dataOffset(i);
      }
    }
    throw new AssertionError("no " + path + " in the TOC");
  }

  /**
   * {@code toc} written again by the project's writer, frame {@code i}'s uncompressed and
   * compressed lengths replaced where the operators give a value other than -1, and {@code
   * inflate} files added that each carry a 64 KiB xattr.
   */
  private static byte[] rewritten(LayerToc toc, IntUnaryOperator uncompressed, IntUnaryOperator compressed, int inflate) {
    TocWriter w = new TocWriter();
    FrameTable f = toc.frames();
    for (int i = 0; i < f.size(); i++) {
      int u = uncompressed.applyAsInt(i);
      int c = compressed.applyAsInt(i);
      w.addFrame(c < 0 ? f.compressedLength(i) : c, u < 0 ? f.uncompressedLength(i) : u, f.digest(i).raw());
    }
    for (int i = 0; i < toc.entryCount(); i++) {
      w.addEntry(toc.entry(i), toc.dataOffset(i));
    }
    Map<String, byte[]> xattr = Map.of("user.padding", new byte[TarEntry.MAX_XATTR_VALUE_BYTES]);
    for (int i = 0; i < inflate; i++) {
      w.addEntry(new TarEntry("data/pad" + i, EntryType.FIFO, 0644, 0, 0, 0, 0, 0, null, 0, 0, xattr), -1);
    }
    return w.toSkippableFrame(3);
  }
}
