package dev.lazypull.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lazypull.testkit.images.SyntheticImages;
import dev.lazypull.testkit.images.TarWriter;
import dev.lazypull.testkit.images.TestEntry;
import dev.lazypull.testkit.images.TestLayout;
import dev.lazypull.testkit.registry.RegistryServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lazypull convert / mount / stats / umount} as a user runs them: separate processes, the node
 * agent that the first mount starts in the background (and that stops with its last mount), a real
 * registry and real FUSE.
 */
class MountCommandIT {
  @TempDir static Path work;
  private static String small;
  private static String synthetic;
  private static String plain;

  record Result(int code, String out, String err) {}

  @BeforeAll
  static void images() throws Exception {
    RegistryServer registry = RegistryServer.shared();
    small = registry.reference("cli/small:lazy");
    synthetic = registry.reference("cli/synthetic:lazy");
    plain = registry.reference("cli/synthetic-plain:gzip");
    Path layout = work.resolve("layout");
    SyntheticImages.write(layout, TestLayout.Compression.GZIP, TestLayout.Flavor.OCI);
    TestLayout.writeImage(layout, "small", TestLayout.Compression.GZIP,
        TarWriter.tar(TestEntry.dir("etc"), TestEntry.file("etc/os-release", "ID=small\n")));
    for (String[] image : new String[][] {{"small", small}, {SyntheticImages.TAG, synthetic}}) {
      Result converted = lazypull("convert", "oci:" + layout + ":" + image[0], image[1]);
      assertThat(converted.code()).as(converted.err()).isZero();
    }
    run(List.of("skopeo", "copy", "--dest-tls-verify=false", "oci:" + layout + ":" + SyntheticImages.TAG, "docker://" + plain));
  }

  private static Result lazypull(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "--enable-native-access=ALL-UNNAMED",
        "-cp", System.getProperty("java.class.path"), Main.class.getName()));
    command.addAll(List.of(args));
    if (List.of("mount", "umount", "stats").contains(args[0])) {
      command.addAll(List.of("--run-dir", runDir().toString()));
    }
    return run(command);
  }

  private static Result run(List<String> command) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().put("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    Path out = Files.createTempFile(work, "out", ".txt");
    Path err = Files.createTempFile(work, "err", ".txt");
    Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    assertThat(p.waitFor(240, TimeUnit.SECONDS)).as("%s finished", command).isTrue();
    return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
  }

  private static Path runDir() {
    return work.resolve("run");
  }

  private static Path emptyDir(String name) throws IOException {
    return Files.createDirectories(work.resolve(name));
  }

  private static String mounts() throws IOException {
    return Files.readString(Path.of("/proc/self/mounts"), StandardCharsets.UTF_8);
  }

  @Test
  void twoMountsServeBesideEachOtherUntilUnmounted() throws Exception {
    Path cache = work.resolve("cache");
    Path a = emptyDir("mnt-a");
    Path b = emptyDir("mnt-b");

    Result first = lazypull("mount", small, a.toString(), "--root", cache.toString());
    assertThat(first.code()).as(first.err()).isZero();
    Result second = lazypull("mount", synthetic, b.toString(), "--root", cache.toString(), "--cache-size", "2G");
    assertThat(second.code()).as(second.err()).isZero();
    try {
      assertThat(Files.readString(a.resolve("etc/os-release"))).isEqualTo("ID=small\n");
      assertThat(Files.readSymbolicLink(b.resolve("etc/motd"))).isEqualTo(Path.of("/run/motd.dynamic"));
      assertThat(Files.readString(b.resolve("etc/hosts"))).isEqualTo("127.0.0.1 localhost\n::1 localhost\n");
      assertThat(Files.size(b.resolve("usr/lib/big.bin"))).isEqualTo(Files.readAllBytes(b.resolve("usr/lib/big.bin")).length);

      Result json = lazypull("stats", b.toString(), "--json");
      assertThat(json.code()).as(json.err()).isZero();
      assertThat(json.out()).contains("\"bytesFetched\":").doesNotContain("\"bytesFetched\":0,");
      Result table = lazypull("stats", b.toString());
      assertThat(table.out()).contains("rangeRequests").contains("readLatencyP99Micros");
    } finally {
      Result ua = lazypull("umount", a.toString());
      Result ub = lazypull("umount", b.toString());
      assertThat(ua.code()).as(ua.err()).isZero();
      assertThat(ub.code()).as(ub.err()).isZero();
    }
    assertThat(mounts()).doesNotContain(a.toString()).doesNotContain(b.toString());
    try (var left = Files.list(a)) {
      assertThat(left).isEmpty();
    }
    // umount returns once the agent its last mount ends has exited: the root may be removed now.
    assertThat(agents()).as("the background agent, after the umount of its last mount").isEmpty();
    assertThat(runDir().resolve("agent.sock")).as("agent cleaned up").doesNotExist();
    assertThat(runDir().resolve("containerd.sock")).as("agent cleaned up").doesNotExist();
  }

  @Test
  void unmountingWithUmount8AlsoEndsTheAgentItsMountStarted() throws Exception {
    Path dir = emptyDir("mnt-umount8");
    Result mounted = lazypull("mount", small, dir.toString(), "--root", work.resolve("cache-u").toString());
    assertThat(mounted.code()).as(mounted.err()).isZero();
    try {
      assertThat(agents()).hasSize(1);
    } finally {
      assertThat(run(List.of("umount", dir.toString())).code()).isZero();
    }

    awaitNoAgent();
    assertThat(mounts()).doesNotContain(dir.toString());
    assertThat(runDir().resolve("agent.sock")).as("agent cleaned up").doesNotExist();
  }

  /**
   * A background agent killed under its mount leaves it waiting, kept by the holder: the next
   * {@code lazypull mount} starts an agent that serves it again; with no agent running, {@code
   * lazypull umount} removes such a mount (it answers no stat) as it removes a dead one.
   */
  @Test
  void aMountOfAKilledBackgroundAgentIsServedByTheNextOrRemovedByUmount() throws Exception {
    Path root = work.resolve("cache-k");
    Path c = emptyDir("mnt-kept");
    Path d = emptyDir("mnt-next");
    Result mounted = lazypull("mount", small, c.toString(), "--root", root.toString());
    assertThat(mounted.code()).as(mounted.err()).isZero();
    try {
      assertThat(Files.readString(c.resolve("etc/os-release"))).isEqualTo("ID=small\n");
      awaitKept(1);
      killAgents();

      Result next = lazypull("mount", synthetic, d.toString(), "--root", root.toString());
      assertThat(next.code()).as(next.err()).isZero();
      assertThat(Files.readString(c.resolve("etc/os-release"))).as("served by the next agent").isEqualTo("ID=small\n");
      awaitKept(2);
      killAgents();
    } finally {
      for (Path dir : List.of(c, d)) {
        Result u = lazypull("umount", dir.toString());
        assertThat(u.code()).as(u.err()).isZero();
      }
    }
    assertThat(mounts()).doesNotContain(c.toString()).doesNotContain(d.toString());
  }

  private static void killAgents() throws Exception {
    for (ProcessHandle agent : agents()) {
      agent.destroyForcibly();
      agent.onExit().get(60, TimeUnit.SECONDS);
    }
  }

  /** Waits until the holder has kept {@code n} connections (the agent keeps each just after its mount returns). */
  private static void awaitKept(int n) throws Exception {
    Path log = runDir().resolve("holder.sock.log");
    for (int i = 0; i < 600; i++) {
      if (Files.exists(log) && Files.readAllLines(log).stream().filter(l -> l.contains("holder: keeping ")).count() >= n) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("the holder did not keep " + n + " connections: " + (Files.exists(log) ? Files.readString(log) : "no log"));
  }

  /** The agents serving this test's run directory: {@code lazypull agent ... --run-dir RUN}. */
  private static List<ProcessHandle> agents() {
    return ProcessHandle.allProcesses().filter(p -> {
      try {
        List<String> argv = List.of(Files.readString(Path.of("/proc", Long.toString(p.pid()), "cmdline")).split("\0"));
        int i = argv.indexOf("--run-dir");
        return argv.contains("agent") && i >= 0 && i + 1 < argv.size() && argv.get(i + 1).equals(runDir().toString());
      } catch (IOException | RuntimeException gone) {
        return false;
      }
    }).toList();
  }

  /** Waits (at most a minute) for the agents of the run directory to exit. */
  private static void awaitNoAgent() throws Exception {
    for (ProcessHandle agent : agents()) {
      agent.onExit().get(60, TimeUnit.SECONDS);
    }
    assertThat(agents()).isEmpty();
  }

  @Test
  void mountErrorsAreClearAndLeaveNoMountBehind() throws Exception {
    Path dir = emptyDir("mnt-errors");

    Result notLazy = lazypull("mount", plain, dir.toString(), "--root", work.resolve("cache-e").toString());
    assertThat(notLazy.code()).isEqualTo(1);
    assertThat(notLazy.err()).contains("not a lazy image").contains("lazypull convert");

    Result unreachable = lazypull("mount", "127.0.0.1:9/nothing:here", dir.toString(), "--root", work.resolve("cache-e").toString());
    assertThat(unreachable.code()).isEqualTo(1);
    assertThat(unreachable.err()).contains("127.0.0.1:9");

    Path mistyped = work.resolve("no-such-layout");
    Result typo = lazypull("mount", "oci:" + mistyped + ":latest", dir.toString(), "--root", work.resolve("cache-e").toString());
    assertThat(typo.code()).isEqualTo(1);
    assertThat(typo.err()).contains(mistyped.toString()).contains("not an OCI image layout");
    assertThat(mistyped).doesNotExist();

    Result badCa = lazypull("mount", small, dir.toString(), "--ca-bundle", work.resolve("no-such.pem").toString());
    assertThat(badCa.code()).as("--ca-bundle is a mount flag too").isEqualTo(1);
    assertThat(badCa.err()).contains("no-such.pem");

    Files.writeString(dir.resolve("occupied"), "x");
    Result busy = lazypull("mount", small, dir.toString());
    assertThat(busy.code()).isEqualTo(1);
    assertThat(busy.err()).contains("not empty");
    Files.delete(dir.resolve("occupied"));

    assertThat(mounts()).doesNotContain(dir.toString());
    Result notMounted = lazypull("umount", dir.toString());
    assertThat(notMounted.code()).isEqualTo(1);
    assertThat(notMounted.err()).contains("not a lazypull mount");
  }
}
