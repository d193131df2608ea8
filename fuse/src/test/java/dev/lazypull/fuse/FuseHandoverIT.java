package dev.lazypull.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lazypull.fuse.keep.HolderClient;
import dev.lazypull.fuse.sys.KernelMount;
import dev.lazypull.fuse.sys.MountTable;
import dev.lazypull.fuse.testfs.HandoverServerMain;
import dev.lazypull.fuse.testfs.TestTree;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The connection outlives its server: two (and more) real processes serve one real mount in turn,
 * the connection kept by the real holder process, while a reader reads every file in a loop.
 */
@Timeout(180)
class FuseHandoverIT {
  private Path work;
  private Path dir;
  private Path socket;
  private final List<Process> servers = new ArrayList<>();

  @BeforeEach
  void setUp() throws IOException {
    work = Files.createTempDirectory("lazypull-handover-it-");
    dir = Files.createDirectory(work.resolve("mnt"));
    socket = work.resolve("holder").resolve("holder.sock");
  }

  @AfterEach
  void tearDown() throws Exception {
    servers.forEach(Process::destroyForcibly);
    MountTable.at(dir.toRealPath()).ifPresent(m -> KernelMount.unmount(m.mountPoint(), m, false));
    HolderClient holder = new HolderClient(socket);
    holder.holderProcess().ifPresent(ProcessHandle::destroyForcibly);
    assertThat(MountTable.at(dir.toRealPath())).isEmpty();
  }

  @Test
  void readsNeverFailWhileTheServerIsKilledTerminatedAndReplaced() throws Exception {
    assertThat(startServer()).isEqualTo("ready mounted");
    Reader reader = new Reader();
    Thread readerThread = Thread.ofPlatform().name("reader").start(reader);
    long[] stalls = new long[6];
    for (int round = 0; round < 6; round++) {
      waitForReads(reader, 20);
      Process old = servers.getLast();
      // Three crashes, then three orderly stops (which keep the mount: it is kept in the holder).
      if (round < 3) {
        old.destroyForcibly();
      } else {
        old.destroy();
      }
      assertThat(old.waitFor(20, TimeUnit.SECONDS)).isTrue();
      assertThat(MountTable.at(dir.toRealPath())).as("mount kept after the server's exit").isPresent();
      Thread.sleep(300); // requests queue meanwhile
      long before = reader.maxStallNanos.getAndSet(0);
      assertThat(startServer()).isEqualTo("ready resumed");
      waitForReads(reader, 20);
      stalls[round] = Math.max(before, reader.maxStallNanos.get());
    }
    reader.stop.set(true);
    readerThread.join(30_000);
    assertThat(reader.failures).isEmpty();
    assertThat(reader.files.get()).isGreaterThan(12 * 20);
    System.out.printf("handover: %d files read and checked, longest read stall per restart (ms): %s%n",
        reader.files.get(), Arrays.toString(Arrays.stream(stalls).map(n -> n / 1_000_000).toArray()));
  }

  @Test
  void aConnectionUnmountedWhileNoServerRanIsMountedAfresh() throws Exception {
    assertThat(startServer()).isEqualTo("ready mounted");
    assertThat(Files.readAllBytes(dir.resolve("data/f1"))).isEqualTo(TestTree.bytes(1, HandoverServerMain.FILE_SIZE));
    servers.getLast().destroyForcibly().waitFor();
    MountTable.Mount m = MountTable.at(dir.toRealPath()).orElseThrow();
    KernelMount.unmount(m.mountPoint(), m, false);
    assertThat(startServer()).isEqualTo("ready mounted");
    assertThat(Files.readAllBytes(dir.resolve("data/f2"))).isEqualTo(TestTree.bytes(2, HandoverServerMain.FILE_SIZE));
  }

  private void waitForReads(Reader reader, int files) throws InterruptedException {
    long target = reader.files.get() + files;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (reader.files.get() < target && System.nanoTime() < deadline && reader.failures.isEmpty()) {
      Thread.sleep(10);
    }
    assertThat(reader.failures).isEmpty();
    assertThat(reader.files.get()).as("reads go on").isGreaterThanOrEqualTo(target);
  }

  private String startServer() throws IOException {
    String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process p = new ProcessBuilder(java.toString(), "--enable-native-access=ALL-UNNAMED", "-cp", classpath,
        HandoverServerMain.class.getName(), dir.toString(), socket.toString(), "it")
        .redirectErrorStream(true).start();
    servers.add(p);
    BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    String line;
    while ((line = out.readLine()) != null && !line.startsWith("ready")) {
      System.out.println("server: " + line);
    }
    Thread.ofVirtual().start(() -> out.lines().forEach(l -> System.out.println("server: " + l)));
    return line;
  }

  /** Reads every file again and again, checking each byte, and notes the longest single read. */
  private final class Reader implements Runnable {
    final AtomicBoolean stop = new AtomicBoolean();
    final AtomicLong files = new AtomicLong();
    final AtomicLong maxStallNanos = new AtomicLong();
    final List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());

    @Override
    public void run() {
      byte[][] expected = new byte[HandoverServerMain.FILES][];
      for (int i = 0; i < expected.length; i++) {
        expected[i] = TestTree.bytes(i, HandoverServerMain.FILE_SIZE);
      }
      while (!stop.get()) {
        for (int i = 0; i < expected.length && !stop.get(); i++) {
          long start = System.nanoTime();
          try {
            byte[] got = Files.readAllBytes(dir.resolve("data").resolve("f" + i));
            if (!Arrays.equals(got, expected[i])) {
              failures.add("f" + i + ": wrong bytes (" + got.length + ")");
            }
          } catch (IOException e) {
            failures.add("f" + i + ": " + e);
          }
          maxStallNanos.accumulateAndGet(System.nanoTime() - start, Math::max);
          files.incrementAndGet();
        }
      }
    }
  }
}
