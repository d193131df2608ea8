package dev.lazypull.lazyfs.mount;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lazypull.fuse.keep.HolderClient;
import dev.lazypull.fuse.sys.KernelMount;
import dev.lazypull.fuse.sys.MountTable;
import dev.lazypull.registry.ImageStore;
import dev.lazypull.registry.ImageStores;
import dev.lazypull.registry.RegistryOptions;
import dev.lazypull.testkit.images.Commands;
import dev.lazypull.testkit.images.DebianImages;
import dev.lazypull.testkit.images.Unpacker;
import dev.lazypull.testkit.registry.RegistryServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node process serving a real lazy image (Debian python3 + numpy, from a real registry,
 * through real FUSE) is killed and started again while a separate reader process checks the
 * SHA-256 of every file of the image (against umoci's extraction) in a loop: no read fails. Then
 * the registry is stopped before a restart: the cached files still read, the rest fail with EIO
 * within the fetch deadline. The server is {@link RestartableMountMain}, the reader
 * {@link ChecksumReaderMain}; the FUSE connection is kept by the real holder process.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(1200)
class RestartIT {
  private static final String REPO = "snapshotter/restart";
  private static final long FETCH_TIMEOUT_MILLIS = 3000;
  @TempDir static Path work;
  private static RegistryServer registry;
  private static Path checksums;
  private static List<String[]> files;

  private Path dir;
  private Path state;
  private final List<Process> processes = new ArrayList<>();

  @BeforeAll
  static void convertAndHash() throws Exception {
    DebianImages images = DebianImages.get();
    registry = RegistryServer.builder().start(); // our own: the last test stops it
    try (ImageStore store = ImageStores.open(registry.reference(REPO + ":x"), RegistryOptions.defaults())) {
      TestImages.convert(images.layout(), DebianImages.PYTHON, store, DebianImages.PYTHON, work.resolve("convert"));
    }
    Path bundles = Files.createTempDirectory("lazypull-restart-it");
    try {
      Path rootfs = Unpacker.unpack(images.layout(), DebianImages.PYTHON, bundles.resolve("python"));
      List<String> lines = new ArrayList<>();
      try (Stream<Path> walk = Files.walk(rootfs)) {
        for (Path p : walk.filter(Files::isRegularFile).sorted().toList()) {
          MessageDigest sha = MessageDigest.getInstance("SHA-256");
          lines.add(HexFormat.of().formatHex(sha.digest(Files.readAllBytes(p))) + " " + rootfs.relativize(p));
        }
      }
      checksums = work.resolve("sha256.txt");
      Files.write(checksums, lines);
      files = lines.stream().map(l -> l.split(" ", 2)).toList();
    } finally {
      Commands.run(120, "rm", "-rf", bundles.toString());
    }
  }

  @AfterAll
  static void stopRegistry() {
    if (registry != null) {
      registry.close();
    }
  }

  @AfterEach
  void cleanUp() throws Exception {
    processes.forEach(Process::destroyForcibly);
    if (dir != null) {
      MountTable.at(dir).ifPresent(m -> KernelMount.unmount(m.mountPoint(), m, false));
    }
    if (state != null) {
      new HolderClient(holderSocket()).holderProcess().ifPresent(ProcessHandle::destroyForcibly);
    }
  }

  @Test
  @Order(1)
  void everyReadSucceedsWhileTheServerIsKilledAndStoppedUnderIt() throws Exception {
    newMount("kill");
    assertThat(startServer().line()).startsWith("ready mounted");
    Path stop = work.resolve("stop-reader");
    Process reader = java(ChecksumReaderMain.class, dir.toString(), checksums.toString(), stop.toString());
    List<String> readerOut = collect(reader);
    waitFor(readerOut, "pass 1 ", 600); // the cold pass: everything fetched once
    List<Long> ready = new ArrayList<>();
    for (int round = 0; round < 5; round++) {
      Process old = processes.get(processes.size() - 2 - round); // the server started last (the reader is second)
      Thread.sleep(1500);
      if (round < 3) {
        old.destroyForcibly();
      } else {
        old.destroy(); // SIGTERM: an orderly stop also leaves the mount to the next process
      }
      assertThat(old.waitFor(30, TimeUnit.SECONDS)).isTrue();
      Started s = startServer();
      assertThat(s.line()).startsWith("ready resumed");
      ready.add(Long.parseLong(s.line().split(" ")[2]));
      processes.add(processes.size() - 1, processes.removeLast()); // keep the reader last
    }
    int passes = passes(readerOut);
    waitFor(readerOut, "pass " + (passes + 1) + " ", 600); // a whole pass after the last restart
    Files.createFile(stop);
    assertThat(reader.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(readerOut).filteredOn(l -> l.startsWith("FAIL")).isEmpty();
    long longest = readerOut.stream().filter(l -> l.startsWith("pass ") && !l.startsWith("pass 1 "))
        .mapToLong(l -> Long.parseLong(l.substring(l.lastIndexOf(' ') + 1))).max().orElseThrow();
    System.out.printf("restart: %d files checked per pass, %s; longest single read after the cold pass %d ms;"
        + " start to serving again (ms) %s%n", files.size(), readerOut.getLast(), longest, ready);
  }

  @Test
  @Order(2)
  void withTheRegistryGoneCachedFilesReadAndTheRestFailWithEioInBoundedTime() throws Exception {
    newMount("offline");
    assertThat(startServer().line()).startsWith("ready mounted");
    List<String[]> cached = files.stream().filter(f -> f[1].startsWith("usr/lib/python3/dist-packages/numpy/")).toList();
    List<String[]> rest = files.stream().filter(f -> f[1].startsWith("usr/share/") && !f[1].contains("numpy")).toList();
    assertThat(cached).isNotEmpty();
    for (String[] f : cached) {
      assertThat(sha256(dir.resolve(f[1]))).as(f[1]).isEqualTo(f[0]);
    }
    Thread.sleep(3000); // the disk tier's writes are asynchronous
    processes.getLast().destroyForcibly().waitFor();
    registry.close();
    Started s = startServer();
    assertThat(s.line()).startsWith("ready resumed");
    long served = Long.parseLong(s.line().split(" ")[2]);
    for (String[] f : cached) {
      // Out of the kernel's page cache: the bytes must come from the new process's disk tier.
      Commands.run(30, "dd", "if=" + dir.resolve(f[1]), "iflag=nocache", "count=0", "status=none");
    }
    for (String[] f : cached) {
      assertThat(sha256(dir.resolve(f[1]))).as(f[1]).isEqualTo(f[0]);
    }
    int failed = 0;
    long slowestFailure = 0;
    for (String[] f : rest.subList(0, Math.min(rest.size(), 40))) {
      long start = System.nanoTime();
      try {
        assertThat(sha256(dir.resolve(f[1]))).as(f[1]).isEqualTo(f[0]); // readahead may have brought it
      } catch (IOException e) {
        assertThat(e.getMessage()).as(f[1]).containsIgnoringCase("Input/output error");
        failed++;
        slowestFailure = Math.max(slowestFailure, System.nanoTime() - start);
      }
    }
    assertThat(failed).as("uncached files fail").isPositive();
    System.out.printf("registry gone: start to serving again %d ms (process start included); %d cached files read,"
        + " %d uncached files failed with EIO, the slowest after %d ms (fetch deadline %d ms)%n",
        served, cached.size(), failed, slowestFailure / 1_000_000, FETCH_TIMEOUT_MILLIS);
  }

  private void newMount(String name) throws IOException {
    dir = Files.createDirectories(work.resolve(name).resolve("mnt"));
    state = Files.createDirectories(work.resolve(name).resolve("state"));
  }

  private Path holderSocket() {
    return state.resolve("run").resolve("holder.sock");
  }

  private record Started(Process process, String line) {}

  private Started startServer() throws IOException {
    Process p = java(RestartableMountMain.class, registry.reference(REPO + ":" + DebianImages.PYTHON), dir.toString(),
        state.toString(), Long.toString(FETCH_TIMEOUT_MILLIS));
    BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    String line;
    while ((line = out.readLine()) != null && !line.startsWith("ready")) {
      System.out.println("server: " + line);
    }
    BufferedReader rest = out;
    Thread.ofVirtual().start(() -> rest.lines().forEach(l -> System.out.println("server: " + l)));
    return new Started(p, line);
  }

  private Process java(Class<?> main, String... args) throws IOException {
    String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "--enable-native-access=ALL-UNNAMED", "-cp", classpath, main.getName()));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    processes.add(p);
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
