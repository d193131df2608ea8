package dev.lazypull.cli.containerd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lazypull.testkit.containerd.ContainerdServer;
import dev.lazypull.testkit.images.Commands;
import dev.lazypull.testkit.images.DebianImages;
import dev.lazypull.testkit.registry.RegistryServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * lazypull as containerd's remote snapshotter, with real parts only: a private containerd 1.6
 * (own root, state and socket), {@code lazypull agent} in its own JVM as its proxy plugin, a real
 * docker-registry, the Debian python+numpy image converted by lazypull, {@code ctr-remote image
 * rpull} (the remote-snapshot labels) and {@code ctr run} with runc. The tests run in order: pull
 * and run, restarts, removal, then a non-lazy image.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ContainerdSnapshotterIT {
  private static final String SNAPSHOTTER = "lazypull";
  private static Path work;
  private static Path snapshotsRoot;
  private static Path agentRoot;
  private static Path runDir;
  private static Path log;
  private static AgentProcess agent;
  private static ContainerdServer containerd;
  private static String lazyRef;
  private static String plainRef;
  private static List<String> lazyLayers;

  @BeforeAll
  static void start() throws Exception {
    DebianImages images = DebianImages.get();
    RegistryServer registry = RegistryServer.shared();
    plainRef = registry.reference("agent/containerd-minbase:plain");
    work = Files.createTempDirectory("lazypull-containerd-it");
    LazyTestImage lazy = LazyTestImage.convert(DebianImages.PYTHON, registry.reference("agent/containerd-python:lazy"), work.resolve("convert"));
    lazyRef = lazy.ref();
    lazyLayers = lazy.layers();
    Commands.run(600, "skopeo", "copy", "--dest-tls-verify=false", images.reference(DebianImages.MINBASE), "docker://" + plainRef);

    agentRoot = work.resolve("agent");
    snapshotsRoot = agentRoot.resolve("snapshots"); // the agent's, for a root other than /var/lib/lazypull
    runDir = work.resolve("run");
    log = work.resolve("agent.log");
    Files.createFile(log);
    agent = AgentProcess.start(agentRoot, runDir, log);
    containerd = ContainerdServer.builder(work.resolve("containerd")).proxySnapshotter(SNAPSHOTTER, AgentProcess.socket(runDir)).start();
  }

  @AfterAll
  static void stop() throws Exception {
    if (agent != null) {
      System.out.println("agent log:\n" + agent.log());
    }
    try {
      if (containerd != null) {
        containerd.close();
      }
    } finally {
      if (agent != null) {
        agent.close();
      }
      LazyTestImage.unmountAndDelete(work);
    }
  }

  @Test
  @Order(1)
  void lazyPullDownloadsNoLayerAndNumpyRuns() throws Exception {
    containerd.ctrRemote("image", "rpull", "--plain-http", "--snapshotter", SNAPSHOTTER, lazyRef);

    assertThat(contentDigests()).as("blobs in containerd's content store after the lazy pull").doesNotContainAnyElementsOf(lazyLayers)
        .hasSize(2); // the manifest and the config
    String snapshots = snapshotsList();
    assertThat(snapshots.lines().filter(l -> l.contains("Committed")).count()).isEqualTo(lazyLayers.size());
    assertThat(agent.log()).contains("committed as").doesNotContain("falls back");

    containerd.ctr("run", "--rm", "--snapshotter", SNAPSHOTTER, lazyRef, "numpy-1", "python3", "-c", "import numpy");
    assertThat(lazyMounts()).as("lazy mounts under the snapshots root").hasSize(1);
  }

  @Test
  @Order(2)
  void afterSigtermTheSnapshotsAreListedAndRunWithoutAPull() throws Exception {
    String before = snapshotsList();
    List<String> contentBefore = contentDigests();
    agent.terminate();
    assertThat(lazyMounts()).as("mounts after SIGTERM: kept for the next agent").hasSize(1);
    agent = AgentProcess.start(agentRoot, runDir, log);
    assertThat(lazyMounts()).as("lazy mounts resumed").hasSize(1);

    assertThat(snapshotsListWhenReconnected(before)).isEqualTo(before);
    containerd.ctr("run", "--rm", "--snapshotter", SNAPSHOTTER, lazyRef, "numpy-2", "python3", "-c", "import numpy");
    assertThat(contentDigests()).isEqualTo(contentBefore);
  }

  @Test
  @Order(3)
  void afterKill9TheSnapshotsAreListedAndRunWithoutAPull() throws Exception {
    String before = snapshotsList();
    agent.kill();
    agent = AgentProcess.start(agentRoot, runDir, log);
    assertThat(lazyMounts()).as("lazy mounts restored after kill -9").hasSize(1);

    assertThat(snapshotsListWhenReconnected(before)).isEqualTo(before);
    containerd.ctr("run", "--rm", "--snapshotter", SNAPSHOTTER, lazyRef, "numpy-3", "python3", "-c", "import numpy");
  }

  /**
   * A container reads every file of numpy and imports it in a loop while the agent is killed
   * (SIGKILL) twice and stopped (SIGTERM) once under it, the kernel's caches dropped while no
   * agent runs (so the reads wait for the next one): the container exits 0.
   */
  @Test
  @Order(4)
  void aRunningContainerSurvivesAgentRestartsUnderIt() throws Exception {
    Path control = Files.createDirectories(work.resolve("reader-control"));
    String loop = "n=0; while [ ! -e /control/stop ]; do"
        + " find /usr/lib/python3/dist-packages/numpy -type f -exec cat {} + > /dev/null || exit 11;"
        + " python3 -c 'import numpy' || exit 12; n=$((n+1)); echo $n > /control/passes; done; echo passes $n";
    java.util.concurrent.CompletableFuture<String> run = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
      try {
        return containerd.ctr("run", "--rm", "--snapshotter", SNAPSHOTTER, "--mount",
            "type=bind,src=" + control + ",dst=/control,options=rbind:rw", lazyRef, "reader-1", "bash", "-c", loop);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }, r -> Thread.ofVirtual().start(r));
    waitForPasses(control, 1, run);
    for (String kind : List.of("SIGKILL", "SIGTERM", "SIGKILL")) {
      if (kind.equals("SIGKILL")) {
        agent.kill();
      } else {
        agent.terminate();
      }
      Commands.run(30, "sh", "-c", "echo 3 > /proc/sys/vm/drop_caches");
      agent = AgentProcess.start(agentRoot, runDir, log);
      waitForPasses(control, passesDone(control) + 1, run);
    }
    Files.createFile(control.resolve("stop"));
    String out = run.get(300, java.util.concurrent.TimeUnit.SECONDS); // ctr fails on a non-zero exit
    System.out.println("container under agent restarts: " + out.strip());
    assertThat(out).contains("passes");
  }

  /** The passes the container's loop has finished (0 before the first, or while it writes the file). */
  private static int passesDone(Path control) throws IOException {
    Path file = control.resolve("passes");
    try {
      return Files.exists(file) ? Integer.parseInt(Files.readString(file).strip()) : 0;
    } catch (NumberFormatException beingWritten) {
      return 0;
    }
  }

  private static void waitForPasses(Path control, int passes, java.util.concurrent.Future<String> run) throws Exception {
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(300);
    while (System.nanoTime() < deadline) {
      if (run.isDone()) {
        throw new AssertionError("the container ended early: " + run.get());
      }
      if (passesDone(control) >= passes) {
        return;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("the container did not finish pass " + passes + " within 300 s");
  }

  @Test
  @Order(5)
  void imageRmSyncRemovesSnapshotsAndMounts() throws Exception {
    containerd.ctr("image", "rm", "--sync", lazyRef);

    assertThat(snapshotsList().lines().skip(1).toList()).as("snapshots after image rm --sync").isEmpty();
    assertThat(lazyMounts()).isEmpty();
    try (Stream<Path> dirs = Files.list(snapshotsRoot.resolve("snapshots"))) {
      assertThat(dirs.toList()).as("snapshot directories left").isEmpty();
    }
  }

  @Test
  @Order(6)
  void aNonLazyImageIsUnpackedAndRuns() throws Exception {
    containerd.ctrRemote("image", "rpull", "--plain-http", "--snapshotter", SNAPSHOTTER, plainRef);
    assertThat(agent.log()).contains("falls back to download and unpack (not-lazy)");

    containerd.ctr("run", "--rm", "--snapshotter", SNAPSHOTTER, plainRef, "plain-1", "/bin/bash", "-c", "test -x /usr/bin/apt-get");
    assertThat(lazyMounts()).isEmpty();
  }

  /** The DIGEST column of {@code ctr content ls} (the labels name layer digests too). */
  private static List<String> contentDigests() throws IOException {
    return LazyTestImage.contentDigests(containerd.ctr("content", "ls"));
  }

  private static String snapshotsList() throws IOException {
    return containerd.ctr("snapshots", "--snapshotter", SNAPSHOTTER, "ls");
  }

  /** containerd reconnects to a restarted proxy within a few seconds; until then ls fails. */
  private static String snapshotsListWhenReconnected(String expected) throws Exception {
    String last = "";
    for (int i = 0; i < 100; i++) {
      try {
        last = snapshotsList();
        if (last.equals(expected)) {
          return last;
        }
      } catch (IOException notYet) {
        last = notYet.getMessage();
      }
      Thread.sleep(200);
    }
    return last;
  }

  private static List<String> lazyMounts() throws IOException {
    return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
        .filter(l -> l.contains(" fuse.lazypull ") && l.contains(snapshotsRoot.toString()))
        .toList();
  }
}
