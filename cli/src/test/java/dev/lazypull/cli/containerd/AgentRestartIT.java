package dev.lazypull.cli.containerd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lazypull.agent.control.ControlRequest;
import dev.lazypull.cli.agent.AgentClient;
import dev.lazypull.testkit.images.Commands;
import dev.lazypull.testkit.images.DebianImages;
import dev.lazypull.testkit.images.Unpacker;
import dev.lazypull.testkit.registry.RegistryServer;
import dev.lazypull.testkit.tree.ChecksumReaderMain;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * The real agent ({@code java -jar lazypull-cli-all.jar agent}, its mounts' FUSE connections kept
 * by the real holder process) serves the lazy numpy image from a real registry while a separate
 * reader process checks the SHA-256 of every file (against umoci's extraction) in a loop; the
 * agent is killed (SIGKILL) three times, stopped (SIGTERM) once and upgraded (started from another
 * copy of the jar, the old copy deleted) once under it: no read fails. Then the registry is
 * stopped before a restart: cached files read, the rest fail with EIO within the fetch deadline.
 * With {@code -Dlazypull.test.restartStack=true} the same runs on the 1.4 GB stack image
 * ({@link DebianImages#stack()}) instead of numpy's: for the figures, not for CI's time.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(1200)
class AgentRestartIT {
  private static final boolean STACK = Boolean.getBoolean("lazypull.test.restartStack");
  private static final String REF = STACK ? "agent/restart:stack" : "agent/restart:numpy";
  private static final Duration FETCH_TIMEOUT = Duration.ofSeconds(3);
  private static Path work;
  private static RegistryServer registry;
  private static List<String[]> files;
  private static Path checksums;
  private static Path root;
  private static Path runDir;
  private static Path log;
  private static Path mnt;
  private static Path jar;
  private static AgentProcess agent;
  private static final List<Process> readers = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    work = Files.createTempDirectory("lazypull-agent-restart-it");
    registry = RegistryServer.builder().start(); // our own: the last test stops it
    Path layout = STACK ? DebianImages.stack().layout() : DebianImages.get().layout();
    String tag = STACK ? DebianImages.PYTHON_STACK : DebianImages.PYTHON;
    LazyTestImage.convert(layout, tag, registry.reference(REF), work.resolve("convert"));
    Path rootfs = Unpacker.unpack(layout, tag, work.resolve("bundle"));
    List<String> lines = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(rootfs)) {
      for (Path p : walk.filter(Files::isRegularFile).sorted().toList()) {
        lines.add(sha256(p) + " " + rootfs.relativize(p));
      }
    }
    Commands.run(120, "rm", "-rf", work.resolve("bundle").toString());
    checksums = Files.write(work.resolve("sha256.txt"), lines);
    files = lines.stream().map(l -> l.split(" ", 2)).toList();
    root = work.resolve("root");
    runDir = work.resolve("run");
    log = Files.createFile(work.resolve("agent.log"));
    mnt = Files.createDirectories(work.resolve("mnt"));
    jar = copyOfTheBuild("build-1");
    agent = AgentProcess.startJar(jar, root, runDir, log);
    // No prefetch and no background fetch: the registry-gone test needs chunks the cache lacks.
    AgentClient.request(runDir, new ControlRequest.Mount(registry.reference(REF), mnt, List.of(registry.hostPort()),
        FETCH_TIMEOUT, false, false));
  }

  @AfterAll
  static void stop() throws Exception {
    readers.forEach(Process::destroyForcibly);
    try {
      if (agent != null) {
        System.out.println("agent log:\n" + agent.log());
        try {
          AgentClient.request(runDir, new ControlRequest.Umount(mnt));
        } catch (IOException e) {
          System.out.println("umount at the end: " + e.getMessage());
        }
        agent.close();
      }
    } finally {
      if (registry != null) {
        registry.close();
      }
      LazyTestImage.unmountAndDelete(work);
    }
  }

  @Test
  @Order(1)
  void everyReadSucceedsWhileTheAgentIsKilledStoppedAndUpgradedUnderIt() throws Exception {
    Path stop = work.resolve("stop-reader");
    Process reader = java(ChecksumReaderMain.class, mnt.toString(), checksums.toString(), stop.toString());
    List<String> out = collect(reader);
    waitFor(out, "pass 1 ", 600); // the cold pass: everything fetched once
    List<String> kinds = List.of("SIGKILL", "SIGKILL", "SIGKILL", "SIGTERM", "upgrade");
    List<Long> serving = new ArrayList<>();
    List<Long> stalls = new ArrayList<>();
    for (String kind : kinds) {
      Thread.sleep(1500);
      int before = passes(out);
      Path next = jar;
      switch (kind) {
        case "SIGKILL" -> agent.kill();
        case "SIGTERM" -> agent.terminate();
        default -> {
          agent.terminate();
          next = copyOfTheBuild("build-" + kinds.indexOf(kind) + "-new");
          Files.delete(jar); // the old build is gone: the holder it started must not need it
        }
      }
      jar = next;
      long started = System.nanoTime();
      agent = AgentProcess.startJar(jar, root, runDir, log);
      serving.add(servingAgain(started));
      // The pass the restart fell in, and a whole one after it: the longest read of those is its stall.
      waitFor(out, "pass " + (before + 2) + " ", 600);
      stalls.add(out.stream().filter(l -> l.startsWith("pass ")).skip(before).limit(2)
          .mapToLong(l -> Long.parseLong(l.substring(l.lastIndexOf(' ') + 1))).max().orElseThrow());
    }
    int passes = passes(out);
    Files.createFile(stop);
    assertThat(reader.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(out).filteredOn(l -> l.startsWith("FAIL")).isEmpty();
    long longest = out.stream().filter(l -> l.startsWith("pass ") && !l.startsWith("pass 1 "))
        .mapToLong(l -> Long.parseLong(l.substring(l.lastIndexOf(' ') + 1))).max().orElseThrow();
    assertThat(agent.log()).contains("resumed ");
    System.out.printf("agent restart (" + REF + "): %d files checked per pass, %d passes, no failed read; longest single read"
        + " after the cold pass %d ms; restarts %s: longest read across each (ms) %s; start of the new agent process"
        + " to serving again (ms) %s%n", files.size(), passes, longest, kinds, stalls, serving);
  }

  @Test
  @Order(2)
  void withTheRegistryGoneCachedFilesReadAndTheRestFailWithEioInBoundedTime() throws Exception {
    List<String[]> cached = files.stream().filter(f -> f[1].startsWith("usr/lib/python3/dist-packages/numpy/")).toList();
    assertThat(cached).isNotEmpty();
    for (String[] f : cached) {
      assertThat(sha256(mnt.resolve(f[1]))).as(f[1]).isEqualTo(f[0]);
    }
    // A second mount whose image will not come back (its record names a manifest of which there
    // is no copy, and the registry is gone): it must not hold the start or the first mount.
    Path broken = Files.createDirectories(work.resolve("mnt-broken"));
    AgentClient.request(runDir, new ControlRequest.Mount(registry.reference(REF), broken, List.of(registry.hostPort()),
        FETCH_TIMEOUT, false, false));
    assertThat(Files.exists(broken.resolve("usr/bin"))).isTrue();
    Thread.sleep(3000); // the disk tier's writes (and the keep of the new mount) are asynchronous
    agent.kill();
    registry.close();
    try (var db = java.sql.DriverManager.getConnection("jdbc:sqlite:" + root.resolve("mounts.db"));
        var update = db.prepareStatement("UPDATE mounts SET manifest = ? WHERE mount_point = ?")) {
      update.setString(1, "sha256:" + "0".repeat(64));
      update.setString(2, broken.toRealPath().toString());
      assertThat(update.executeUpdate()).as("the broken mount's record").isEqualTo(1);
    }
    // Fetched by the first test's passes: the rest of the image is the uncached part.
    Commands.run(60, "sh", "-c", "rm -rf " + root.resolve("cache") + "/chunks/sha256/[0-7]*");
    long started = System.nanoTime();
    agent = AgentProcess.startJar(jar, root, runDir, log);
    long serving = servingAgain(started);
    for (String[] f : cached) {
      Commands.run(30, "dd", "if=" + mnt.resolve(f[1]), "iflag=nocache", "count=0", "status=none");
    }
    int read = 0;
    int failed = 0;
    long slowestFailure = 0;
    for (String[] f : cached) {
      if (read >= 40 && failed >= 20) {
        break; // each failure waits out the fetch deadline: enough of both
      }
      long start = System.nanoTime();
      try {
        assertThat(sha256(mnt.resolve(f[1]))).as(f[1]).isEqualTo(f[0]);
        read++;
      } catch (IOException e) {
        assertThat(e.getMessage()).as(f[1]).containsIgnoringCase("Input/output error");
        failed++;
        slowestFailure = Math.max(slowestFailure, System.nanoTime() - start);
      }
    }
    assertThat(read).as("cached files read").isPositive();
    assertThat(failed).as("uncached files fail").isPositive();
    // The broken mount's connection is ended rather than left waiting: its readers get ENOTCONN.
    long brokenStart = System.nanoTime();
    Process stat = new ProcessBuilder("stat", broken.resolve("usr/bin").toString()).redirectErrorStream(true).start();
    assertThat(stat.waitFor(120, TimeUnit.SECONDS)).as("a stat of the broken mount returns").isTrue();
    assertThat(new String(stat.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).contains("not connected");
    long brokenMillis = (System.nanoTime() - brokenStart) / 1_000_000;
    assertThat(agent.log()).contains("cannot restore the mount of");
    System.out.printf("registry gone: start of the agent process to serving again %d ms; %d cached files read,"
        + " %d uncached files failed with EIO, the slowest after %d ms (fetch deadline %d ms); the mount that could"
        + " not be restored answered ENOTCONN %d ms after the others' checks%n",
        serving, read, failed, slowestFailure / 1_000_000, FETCH_TIMEOUT.toMillis(), brokenMillis);
  }

  /**
   * Milliseconds from {@code started} until a lookup in the mount is answered (the agent serves it
   * again): a name never looked up before, so that the kernel cannot answer it from its cache.
   */
  private static long servingAgain(long started) throws Exception {
    Path probe = mnt.resolve("probe-" + System.nanoTime());
    Process p = new ProcessBuilder("stat", probe.toString()).redirectErrorStream(true).start();
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("a lookup in the mount after the restart").isTrue();
    assertThat(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).contains("No such file");
    return (System.nanoTime() - started) / 1_000_000;
  }

  /** A copy of the shaded jar this build made: what an upgrade puts in place. */
  private static Path copyOfTheBuild(String name) throws IOException {
    Path built = Path.of("target", "lazypull-cli-all.jar").toAbsolutePath();
    assertThat(built).as("the shaded jar (package phase)").exists();
    return Files.copy(built, Files.createDirectories(work.resolve(name)).resolve("lazypull.jar"),
        StandardCopyOption.REPLACE_EXISTING);
  }

  private static Process java(Class<?> main, String... args) throws IOException {
    String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", classpath, main.getName()));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    readers.add(p);
    return p;
  }

  private static List<String> collect(Process p) {
    List<String> lines = new CopyOnWriteArrayList<>();
    BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    Thread.ofVirtual().start(() -> out.lines().forEach(l -> {
      lines.add(l);
      System.out.println("reader: " + l);
    }));
    return lines;
  }

  private static int passes(List<String> out) {
    return (int) out.stream().filter(l -> l.startsWith("pass ")).count();
  }

  private static void waitFor(List<String> out, String prefix, int seconds) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (out.stream().noneMatch(l -> l.startsWith(prefix)) && System.nanoTime() < deadline) {
      assertThat(out).filteredOn(l -> l.startsWith("FAIL")).isEmpty();
      Thread.sleep(100);
    }
    assertThat(out).as("reader output").anyMatch(l -> l.startsWith(prefix));
  }

  private static String sha256(Path file) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
  }
}
