package dev.lazypull.agent.snapshots;

import static dev.lazypull.agent.snapshots.SnapshotStoreTest.reason;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lazypull.agent.snapshots.SnapshotException.Reason;
import dev.lazypull.format.LazyAnnotations;
import dev.lazypull.format.LazyAnnotations.TocPointer;
import dev.lazypull.oci.Digest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The snapshotter's bookkeeping and error paths, with {@link RecordingMounter} in place of FUSE. */
class OverlaySnapshotterTest {
  private static final String IMAGE = "127.0.0.1:5000/ml/numpy:lazy";
  private static final Digest LAYER1 = Digest.sha256(new byte[] {1});
  private static final Digest LAYER2 = Digest.sha256(new byte[] {2});

  @TempDir Path root;
  private final RecordingMounter mounter = new RecordingMounter();
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private OverlaySnapshotter snapshotter;

  @BeforeEach
  void open() throws IOException {
    snapshotter = OverlaySnapshotter.open(root, mounter, meters);
  }

  @AfterEach
  void close() throws IOException {
    snapshotter.close();
  }

  /** The labels containerd's unpacker sends for a layer of a lazypull image pulled by ctr-remote. */
  private static Map<String, String> handshake(String chainId, Digest layer, boolean lazy) {
    Map<String, String> labels = new HashMap<>();
    labels.put(RemoteLayerLabels.TARGET, chainId);
    labels.put(RemoteLayerLabels.STARGZ_REFERENCE, IMAGE);
    labels.put(RemoteLayerLabels.STARGZ_DIGEST, layer.toString());
    if (lazy) {
      new TocPointer(1000, 64, Digest.sha256(layer.raw())).annotations().forEach((k, v) -> {
        if (k.startsWith(LazyAnnotations.SNAPSHOT_LABEL_PREFIX)) {
          labels.put(k, v);
        }
      });
    }
    return labels;
  }

  private double fallbacks(String reason) {
    var c = meters.find("lazypull.snapshotter.fallbacks").tag("reason", reason).counter();
    return c == null ? 0 : c.count();
  }

  @Test
  void ordinaryLayersFollowContainerdsOverlaySnapshotter() throws Exception {
    List<MountSpec> first = snapshotter.prepare("default/1/extract a", "", Map.of());
    assertThat(first).singleElement().satisfies(m -> {
      assertThat(m.type()).isEqualTo("bind");
      assertThat(m.options()).containsExactly("rw", "rbind");
      assertThat(Path.of(m.source())).isDirectory().startsWith(root);
    });
    snapshotter.commit("default/2/layer1", "default/1/extract a", Map.of());
    List<MountSpec> second = snapshotter.prepare("default/3/extract b", "default/2/layer1", Map.of());
    assertThat(second).singleElement().satisfies(m -> {
      assertThat(m.type()).isEqualTo("overlay");
      assertThat(m.options()).anyMatch(o -> o.startsWith("upperdir=")).anyMatch(o -> o.startsWith("workdir="))
          .anyMatch(o -> o.startsWith("lowerdir=") && !o.contains(":"));
    });
    snapshotter.commit("default/4/layer2", "default/3/extract b", Map.of());
    List<MountSpec> view = snapshotter.view("default/5/view", "default/4/layer2", Map.of());
    assertThat(view).singleElement().satisfies(m -> {
      assertThat(m.type()).isEqualTo("overlay");
      assertThat(m.options()).noneMatch(o -> o.startsWith("upperdir=")).anyMatch(o -> o.startsWith("lowerdir=") && o.contains(":"));
    });
    assertThat(snapshotter.stat("default/4/layer2").parentKey()).isEqualTo("default/2/layer1");
    assertThat(fallbacks("not-lazy")).isZero(); // no handshake, no fallback to count
  }

  @Test
  void aLazyLayerIsCommittedUnderItsChainIdAndAnsweredAlreadyExists() throws Exception {
    assertThat(reason(() -> snapshotter.prepare("default/1/extract-1 sha256:c1", "", handshake("sha256:c1", LAYER1, true))))
        .isEqualTo(Reason.ALREADY_EXISTS);
    assertThat(reason(() -> snapshotter.prepare("default/2/extract-2 sha256:c2", "sha256:c1", handshake("sha256:c2", LAYER2, true))))
        .isEqualTo(Reason.ALREADY_EXISTS);

    Snapshot top = snapshotter.stat("sha256:c2");
    assertThat(top.kind()).isEqualTo(Kind.COMMITTED);
    assertThat(top.parentKey()).isEqualTo("sha256:c1");
    assertThat(top.labels()).containsEntry(RemoteLayerLabels.TARGET, "sha256:c2");
    assertThat(top.lazy()).isEqualTo(new LazyChain(IMAGE, List.of(LAYER1, LAYER2)));
    assertThat(mounter.checked).extracting(LazyChain::layers).containsExactly(List.of(LAYER1), List.of(LAYER1, LAYER2));
    assertThat(reason(() -> snapshotter.stat("default/2/extract-2 sha256:c2"))).isEqualTo(Reason.NOT_FOUND);

    // a container on top: overlay over the one merged mount of the chain, mounted on demand
    List<MountSpec> container = snapshotter.prepare("default/3/ctr", "sha256:c2", Map.of());
    Path chainMount = root.resolve("snapshots").resolve(Long.toString(top.id())).resolve("fs");
    assertThat(mounter.mounted).containsExactly(chainMount);
    assertThat(container.getFirst().options()).contains("lowerdir=" + chainMount);
    assertThat(meters.get("lazypull.snapshotter.lazy.layers").counter().count()).isEqualTo(2);

    assertThat(reason(() -> snapshotter.remove("sha256:c2"))).isEqualTo(Reason.FAILED_PRECONDITION);
    snapshotter.remove("default/3/ctr");
    snapshotter.remove("sha256:c2");
    assertThat(mounter.unmounted).containsExactly(chainMount);
    assertThat(chainMount.getParent()).doesNotExist();
  }

  /** Pulls the two-layer image through the handshake; returns the top chain's mount point. */
  private Path pullWholeImage() throws Exception {
    mounter.wholeImage = List.of(LAYER1, LAYER2);
    assertThat(reason(() -> snapshotter.prepare("default/1/extract-1 sha256:c1", "", handshake("sha256:c1", LAYER1, true))))
        .isEqualTo(Reason.ALREADY_EXISTS);
    assertThat(reason(() -> snapshotter.prepare("default/2/extract-2 sha256:c2", "sha256:c1", handshake("sha256:c2", LAYER2, true))))
        .isEqualTo(Reason.ALREADY_EXISTS);
    return root.resolve("snapshots").resolve(Long.toString(snapshotter.stat("sha256:c2").id())).resolve("fs");
  }

  private static void await(java.util.function.BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("waited 10 s").isLessThan(deadline);
      Thread.sleep(10);
    }
  }

  @Test
  void theWholeImagesChainIsMountedOnceAheadOfTheContainerThatUsesIt() throws Exception {
    Path chainMount = pullWholeImage();
    await(() -> mounter.mounted.contains(chainMount) && mounted("sha256:c2"));
    List<MountSpec> container = snapshotter.prepare("default/3/ctr", "sha256:c2", Map.of());
    assertThat(container.getFirst().options()).contains("lowerdir=" + chainMount);
    assertThat(mounter.mounted).containsExactly(chainMount); // the container took the early mount, none more
    snapshotter.remove("default/3/ctr");
    assertThat(mounter.unmounted).isEmpty(); // as any chain: it stays while its image does
    snapshotter.remove("sha256:c2");
    assertThat(mounter.unmounted).containsExactly(chainMount);
    assertThat(chainMount.getParent()).doesNotExist();
  }

  @Test
  void aChainMountedAheadGoesWithItsImageUnused() throws Exception {
    Path chainMount = pullWholeImage();
    await(() -> mounter.mounted.contains(chainMount));
    snapshotter.remove("sha256:c2");
    assertThat(mounter.unmounted).containsExactly(chainMount);
    assertThat(chainMount.getParent()).doesNotExist();
  }

  @Test
  void aChainMountedAheadAndNeverUsedIsUnmountedAfterItsTime() throws Exception {
    snapshotter.close();
    snapshotter = OverlaySnapshotter.open(root, mounter, meters, java.time.Duration.ofMillis(300));
    Path chainMount = pullWholeImage();
    await(() -> mounter.unmounted.contains(chainMount));
    assertThat(mounted("sha256:c2")).isFalse(); // a restart does not mount it again
    snapshotter.prepare("default/3/ctr", "sha256:c2", Map.of()); // a container that comes later mounts it then
    assertThat(mounter.mounted).containsExactly(chainMount, chainMount);
  }

  @Test
  void aFailedEarlyMountLeavesTheMountToTheContainersPrepare() throws Exception {
    mounter.mountFailure = new IOException("registry down");
    Path chainMount = pullWholeImage();
    Thread.sleep(100);
    mounter.mountFailure = null;
    snapshotter.prepare("default/3/ctr", "sha256:c2", Map.of());
    assertThat(mounter.mounted).containsExactly(chainMount);
  }

  private boolean mounted(String key) {
    try {
      return snapshotter.stat(key).mounted();
    } catch (IOException | SnapshotException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void everyFallbackIsCountedWithItsReasonAndUnpacksNormally() throws Exception {
    List<MountSpec> plain = snapshotter.prepare("default/1/extract-1 sha256:p1", "", handshake("sha256:p1", LAYER1, false));
    assertThat(plain).singleElement().extracting(MountSpec::type).isEqualTo("bind");
    assertThat(fallbacks("not-lazy")).isEqualTo(1);
    snapshotter.commit("sha256:p1", "default/1/extract-1 sha256:p1", Map.of());

    // a lazy layer over an unpacked one cannot be one merged mount
    snapshotter.prepare("default/2/extract-2 sha256:p2", "sha256:p1", handshake("sha256:p2", LAYER2, true));
    assertThat(fallbacks("parent-not-lazy")).isEqualTo(1);

    mounter.checkFailure = new IOException("registry 127.0.0.1:5000 refused the connection");
    snapshotter.prepare("default/3/extract-3 sha256:q1", "", handshake("sha256:q1", LAYER1, true));
    assertThat(fallbacks("remote-check-failed")).isEqualTo(1);

    Map<String, String> noRef = handshake("sha256:r1", LAYER1, true);
    noRef.remove(RemoteLayerLabels.STARGZ_REFERENCE);
    snapshotter.prepare("default/4/extract-4 sha256:r1", "", noRef);
    assertThat(fallbacks("no-image-reference")).isEqualTo(1);

    Map<String, String> badRef = handshake("sha256:s1", LAYER1, true);
    badRef.put(RemoteLayerLabels.STARGZ_REFERENCE, "oci:/etc/passwd");
    snapshotter.prepare("default/5/extract-5 sha256:s1", "", badRef);
    assertThat(fallbacks("malformed-labels")).isEqualTo(1);
  }

  @Test
  void aChainThatCannotBeMountedIsUnavailableNotACrash() throws Exception {
    reason(() -> snapshotter.prepare("default/1/x sha256:c1", "", handshake("sha256:c1", LAYER1, true)));
    mounter.mountFailure = new IOException("registry gone");
    assertThat(reason(() -> snapshotter.prepare("default/2/ctr", "sha256:c1", Map.of()))).isEqualTo(Reason.UNAVAILABLE);
    assertThat(reason(() -> snapshotter.stat("default/2/ctr"))).isEqualTo(Reason.NOT_FOUND);
    mounter.mountFailure = null;
    snapshotter.prepare("default/2/ctr", "sha256:c1", Map.of());
  }

  @Test
  void malformedRequestsAreInvalidArguments() {
    assertThat(reason(() -> snapshotter.prepare("", "", Map.of()))).isEqualTo(Reason.INVALID_ARGUMENT);
    assertThat(reason(() -> snapshotter.prepare("a\u0000b", "", Map.of()))).isEqualTo(Reason.INVALID_ARGUMENT);
    assertThat(reason(() -> snapshotter.prepare("k", "p\n", Map.of()))).isEqualTo(Reason.INVALID_ARGUMENT);
    assertThat(reason(() -> snapshotter.prepare("k".repeat(5000), "", Map.of()))).isEqualTo(Reason.INVALID_ARGUMENT);
    assertThat(reason(() -> snapshotter.prepare("k", "", Map.of("", "v")))).isEqualTo(Reason.INVALID_ARGUMENT);
    assertThat(reason(() -> snapshotter.prepare("k", "", Map.of("big", "v".repeat(5000))))).isEqualTo(Reason.INVALID_ARGUMENT);
    assertThat(reason(() -> snapshotter.prepare("k", "", Map.of(RemoteLayerLabels.TARGET, "")))).isEqualTo(Reason.INVALID_ARGUMENT);
    assertThat(reason(() -> snapshotter.prepare("k", "missing-parent", Map.of()))).isEqualTo(Reason.NOT_FOUND);
    assertThat(reason(() -> snapshotter.commit("n", "missing", Map.of()))).isEqualTo(Reason.NOT_FOUND);
    assertThat(reason(() -> snapshotter.update("missing", Map.of(), List.of()))).isEqualTo(Reason.NOT_FOUND);
  }

  @Test
  void aKeyThatLooksLikeAPathNeverBecomesOne() throws Exception {
    snapshotter.prepare("../../../../etc", "", Map.of());
    snapshotter.prepare("/tmp/x", "", Map.of());
    try (var dirs = Files.list(root.resolve("snapshots"))) {
      assertThat(dirs.map(p -> p.getFileName().toString()).toList()).containsExactlyInAnyOrder("1", "2");
    }
  }

  @Test
  void updateChangesLabelsOnly() throws Exception {
    snapshotter.prepare("k", "", Map.of("a", "1", "b", "2"));
    assertThat(snapshotter.update("k", Map.of("a", "9"), List.of("labels.a", "labels.b")).labels()).isEqualTo(Map.of("a", "9"));
    assertThat(snapshotter.update("k", Map.of("z", "1"), List.of()).labels()).isEqualTo(Map.of("z", "1"));
    assertThat(reason(() -> snapshotter.update("k", Map.of(), List.of("parent")))).isEqualTo(Reason.INVALID_ARGUMENT);
  }

  @Test
  void aRestartRemovesWhatNoRecordOwnsAndMountsTheLazyChainsAgain() throws Exception {
    reason(() -> snapshotter.prepare("default/1/x sha256:c1", "", handshake("sha256:c1", LAYER1, true)));
    snapshotter.prepare("default/2/ctr", "sha256:c1", Map.of());
    snapshotter.prepare("kept", "", Map.of());
    // what a crash between a snapshot's directories and its commit leaves
    Path orphan = Files.createDirectories(root.resolve("snapshots/77/fs/usr"));
    Files.writeString(orphan.resolve("half-unpacked"), "x");
    snapshotter.close();
    mounter.mounted.clear();

    snapshotter = OverlaySnapshotter.open(root, mounter, meters);
    assertThat(root.resolve("snapshots/77")).doesNotExist();
    assertThat(snapshotter.list()).extracting(Snapshot::key).containsExactlyInAnyOrder("sha256:c1", "default/2/ctr", "kept");
    assertThat(mounter.mounted).hasSize(1);
  }

  @Test
  void usageCountsTheSnapshotsOwnBytes() throws Exception {
    List<MountSpec> m = snapshotter.prepare("k", "", Map.of());
    Path fs = Path.of(m.getFirst().source());
    Files.write(fs.resolve("data"), new byte[64 << 10]);
    Files.createDirectories(fs.resolve("dir"));
    OverlaySnapshotter.Usage u = snapshotter.usage("k");
    assertThat(u.inodes()).isEqualTo(3);
    assertThat(u.bytes()).isGreaterThanOrEqualTo(64 << 10);
  }
}
