package dev.lazypull.agent.snapshots;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lazypull.oci.Digest;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotStoreTest {
  @TempDir Path dir;

  private static final SnapshotStore.WithId NOTHING = id -> {};

  @Test
  void snapshotsLabelsParentsAndLazyChainsSurviveAReopen() throws Exception {
    LazyChain chain = new LazyChain("127.0.0.1:5000/a/b:lazy", List.of(Digest.sha256(new byte[] {1}), Digest.sha256(new byte[] {2})));
    try (SnapshotStore store = SnapshotStore.open(dir.resolve("metadata.db"))) {
      Snapshot base = store.create("sha256:chain1", Kind.COMMITTED, null, Map.of("containerd.io/snapshot.ref", "sha256:chain1"), chain, NOTHING);
      store.create("default/4/work", Kind.ACTIVE, base, Map.of("a", "1"), null, NOTHING);
      store.setMounted(base.id(), true);
    }
    try (SnapshotStore store = SnapshotStore.open(dir.resolve("metadata.db"))) {
      Snapshot base = store.get("sha256:chain1").orElseThrow();
      assertThat(base.lazy()).isEqualTo(chain);
      assertThat(base.mounted()).isTrue();
      assertThat(base.labels()).containsEntry("containerd.io/snapshot.ref", "sha256:chain1");
      Snapshot work = store.get("default/4/work").orElseThrow();
      assertThat(work.parentKey()).isEqualTo("sha256:chain1");
      assertThat(work.kind()).isEqualTo(Kind.ACTIVE);
      assertThat(work.labels()).isEqualTo(Map.of("a", "1"));
      assertThat(store.hasChildren(base.id())).isTrue();
    }
  }

  @Test
  void aFailureOnDiskRollsTheWholeCreateBack() throws Exception {
    try (SnapshotStore store = SnapshotStore.open(dir.resolve("metadata.db"))) {
      assertThatThrownBy(() -> store.create("k", Kind.ACTIVE, null, Map.of("x", "y"), null, id -> {
        throw new IOException("disk full");
      })).hasMessage("disk full");
      assertThat(store.get("k")).isEmpty();
      assertThat(store.all()).isEmpty();
      // and the key is free again
      assertThat(store.create("k", Kind.ACTIVE, null, Map.of(), null, NOTHING).key()).isEqualTo("k");
    }
  }

  @Test
  void duplicateKeysCommitsAndRemovalsAnswerWithContainerdsErrorClasses() throws Exception {
    try (SnapshotStore store = SnapshotStore.open(dir.resolve("metadata.db"))) {
      Snapshot a = store.create("a", Kind.ACTIVE, null, Map.of(), null, NOTHING);
      assertThat(reason(() -> store.create("a", Kind.ACTIVE, null, Map.of(), null, NOTHING))).isEqualTo(SnapshotException.Reason.ALREADY_EXISTS);
      assertThat(reason(() -> store.commit("missing", "x", Map.of()))).isEqualTo(SnapshotException.Reason.NOT_FOUND);

      Snapshot committed = store.commit("a", "layer-a", Map.of("l", "v"));
      assertThat(committed.id()).isEqualTo(a.id());
      assertThat(committed.kind()).isEqualTo(Kind.COMMITTED);
      assertThat(committed.labels()).isEqualTo(Map.of("l", "v"));
      assertThat(store.get("a")).isEmpty();
      assertThat(reason(() -> store.commit("layer-a", "again", Map.of()))).isEqualTo(SnapshotException.Reason.FAILED_PRECONDITION);

      store.create("b", Kind.ACTIVE, committed, Map.of(), null, NOTHING);
      assertThat(reason(() -> store.commit("b", "layer-a", Map.of()))).isEqualTo(SnapshotException.Reason.ALREADY_EXISTS);
      assertThat(reason(() -> store.delete(committed.id()))).isEqualTo(SnapshotException.Reason.FAILED_PRECONDITION);
      store.delete(store.get("b").orElseThrow().id());
      store.delete(committed.id());
      assertThat(store.all()).isEmpty();
    }
  }

  @FunctionalInterface
  interface Failing {
    void run() throws Exception;
  }

  static SnapshotException.Reason reason(Failing f) {
    try {
      f.run();
    } catch (SnapshotException e) {
      return e.reason();
    } catch (Exception e) {
      throw new AssertionError("expected a SnapshotException, got " + e, e);
    }
    throw new AssertionError("expected a SnapshotException, none thrown");
  }
}
