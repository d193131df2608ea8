package dev.lazypull.agent.snapshots;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 at arbitrary moments of a snapshotter that creates, commits and removes snapshots
 * without pause ({@link SnapshotChurn} in a child JVM); after each kill the next open must find a
 * consistent state: the database opens, every snapshot has its directories and its parent, and
 * no directory is left that no snapshot owns.
 */
class CrashRecoveryIT {
  @TempDir Path root;
  @TempDir Path logs;

  @Test
  void everyKillLeavesAStateTheNextStartRecovers() throws Exception {
    SplittableRandom random = new SplittableRandom(42);
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    for (int round = 0; round < 6; round++) {
      Path log = logs.resolve("churn-" + round + ".log");
      Process p = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp", classpath, SnapshotChurn.class.getName(),
          root.toString(), Integer.toString(round)).redirectErrorStream(true).redirectOutput(log.toFile()).start();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (!Files.readString(log).contains("CHURNING")) {
        assertThat(p.isAlive()).as("churn process, log:\n%s", Files.readString(log)).isTrue();
        assertThat(System.nanoTime()).isLessThan(deadline);
        Thread.sleep(50);
      }
      Thread.sleep(300 + random.nextInt(1500));
      p.destroyForcibly(); // SIGKILL
      assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(Files.readString(log)).doesNotContain("Exception");

      try (OverlaySnapshotter s = OverlaySnapshotter.open(root, new RecordingMounter(), new SimpleMeterRegistry())) {
        List<Snapshot> all = s.list();
        assertThat(all).as("snapshots the churn left (it ran at least 300 ms)").isNotEmpty();
        Set<Long> ids = all.stream().map(Snapshot::id).collect(Collectors.toSet());
        for (Snapshot snap : all) {
          Path dir = root.resolve("snapshots").resolve(Long.toString(snap.id()));
          assertThat(dir.resolve("fs")).as("fs of %s", snap.key()).isDirectory();
          if (snap.kind() == Kind.ACTIVE) {
            assertThat(dir.resolve("work")).as("work of %s", snap.key()).isDirectory();
          }
          if (snap.hasParent()) {
            assertThat(ids).as("parent of %s", snap.key()).contains(snap.parentId());
          }
        }
        try (Stream<Path> dirs = Files.list(root.resolve("snapshots"))) {
          assertThat(dirs.map(d -> Long.parseLong(d.getFileName().toString())).toList())
              .as("directories after recovery").allMatch(ids::contains);
        }
        // and it still works: a new snapshot on a recovered one
        all.stream().filter(x -> x.kind() == Kind.COMMITTED).findFirst()
            .ifPresent(parent -> {
              try {
                s.prepare("after-crash-" + parent.id() + "-" + System.nanoTime(), parent.key(), Map.of());
              } catch (Exception e) {
                throw new AssertionError(e);
              }
            });
      }
    }
  }
}
