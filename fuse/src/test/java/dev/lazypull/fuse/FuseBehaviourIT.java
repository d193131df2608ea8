package dev.lazypull.fuse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lazypull.fuse.sys.MountTable;
import dev.lazypull.fuse.testfs.Content;
import dev.lazypull.fuse.testfs.DeferredReads;
import dev.lazypull.fuse.testfs.MemoryFileSystem;
import dev.lazypull.fuse.testfs.MountMain;
import dev.lazypull.fuse.testfs.TestTree;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Asynchronous replies, interrupts, passthrough, notifications and unmounting, each on its own mount. */
@Timeout(60)
class FuseBehaviourIT {
  private Path dir;

  @BeforeEach
  void createMountPoint() throws IOException {
    dir = Files.createTempDirectory("lazypull-fuse-it-");
  }

  @AfterEach
  void removeMountPoint() throws IOException {
    assertThat(MountTable.at(dir)).as("mount left behind at %s", dir).isEmpty();
    Files.delete(dir);
  }

  @Test
  void readsCompletedLaterFromAnotherThreadAndOutOfOrderHoldNoReaderThread() throws Exception {
    DeferredReads fs = new DeferredReads();
    int files = 8;
    for (int i = 0; i < files; i++) {
      fs.file(fs.root(), "f" + i, 0644, 0, 0, TestTree.T, 0, Content.of(TestTree.bytes(i, 10_000)));
    }
    // One reader thread: eight reads can only be pending at once if none of them holds it.
    try (FuseMount mount = FuseMount.mount(dir, fs, MountOptions.defaults().withReaderThreads(1));
        ExecutorService readers = Executors.newFixedThreadPool(files)) {
      List<Future<byte[]>> results = new ArrayList<>();
      for (int i = 0; i < files; i++) {
        Path f = dir.resolve("f" + i);
        results.add(readers.submit(() -> Files.readAllBytes(f)));
      }
      List<DeferredReads.Pending> pending = new ArrayList<>();
      while (pending.size() < files) {
        DeferredReads.Pending p = fs.pending.poll(20, TimeUnit.SECONDS);
        assertThat(p).as("read %d reached the file system", pending.size()).isNotNull();
        pending.add(p);
      }
      assertThat(mount.pendingReads()).isEqualTo(files);
      Thread completer = Thread.ofVirtual().start(() -> {
        for (DeferredReads.Pending p : pending.reversed()) {
          fs.complete(p);
        }
      });
      completer.join();
      // Further reads (to find end of file) are answered as they come.
      Thread drainer = Thread.ofVirtual().start(() -> {
        try {
          while (true) {
            fs.complete(fs.pending.take());
          }
        } catch (InterruptedException e) {
          // done
        }
      });
      for (int i = 0; i < files; i++) {
        assertThat(results.get(i).get(20, TimeUnit.SECONDS)).isEqualTo(TestTree.bytes(i, 10_000));
      }
      drainer.interrupt();
    }
  }

  @Test
  void aReadInterruptedBySignalIsAnsweredWithEintr() throws Exception {
    DeferredReads fs = new DeferredReads();
    fs.file(fs.root(), "slow", 0644, 0, 0, TestTree.T, 0, Content.of(new byte[4096]));
    try (FuseMount mount = FuseMount.mount(dir, fs, MountOptions.defaults())) {
      Process cat = new ProcessBuilder("cat", dir.resolve("slow").toString()).start();
      DeferredReads.Pending p = fs.pending.poll(20, TimeUnit.SECONDS);
      assertThat(p).isNotNull();
      assertThat(p.reply().isDone()).isFalse();
      cat.destroy(); // SIGTERM: the kernel sends INTERRUPT and waits for our answer
      assertThat(cat.waitFor(20, TimeUnit.SECONDS)).as("cat ended").isTrue();
      assertThat(p.reply().isDone()).isTrue();
      assertThat(mount.pendingReads()).isZero();
      fs.complete(p); // a late answer is ignored, not an error
    }
  }

  @Test
  void passthroughServesReadsInTheKernel() throws Exception {
    byte[] content = TestTree.bytes(99, 3 * (1 << 20) + 11);
    Path backing = Files.createTempFile("lazypull-backing-", ".bin");
    try {
      Files.write(backing, content);
      MemoryFileSystem fs = new MemoryFileSystem(0755, TestTree.T) {
        @Override
        public OpenResult open(long ino, int flags) {
          return OpenResult.passthrough(ino, backing);
        }
      };
      fs.file(fs.root(), "cached", 0644, 0, 0, TestTree.T, 0, Content.of(new byte[content.length]));
      try (FuseMount mount = FuseMount.mount(dir, fs, MountOptions.defaults())) {
        assertThat(mount.negotiated().passthrough()).isTrue();
        assertThat(Files.readAllBytes(dir.resolve("cached"))).isEqualTo(content);
        try (FileChannel ch = FileChannel.open(dir.resolve("cached"))) {
          // a second open while the first lasts shares the inode's backing file
          assertThat(Files.readAllBytes(dir.resolve("cached"))).isEqualTo(content);
          ByteBuffer b = ByteBuffer.allocate(100);
          ch.read(b, 2 << 20);
          assertThat(b.array()).isEqualTo(Arrays.copyOfRange(content, 2 << 20, (2 << 20) + 100));
          var map = ch.map(FileChannel.MapMode.READ_ONLY, 0, content.length);
          assertThat(map.get(content.length - 1)).isEqualTo(content[content.length - 1]);
        }
        // The memory file system holds zeros: the bytes can only have come from the backing file.
        assertThat(fs.reads.get()).isZero();
      }
    } finally {
      Files.delete(backing);
    }
  }

  @Test
  void notifyStoreFillsThePageCacheAndInvalidationEmptiesIt() throws Exception {
    MemoryFileSystem fs = new MemoryFileSystem(0755, TestTree.T);
    byte[] real = TestTree.bytes(5, 8192);
    MemoryFileSystem.Node f = fs.file(fs.root(), "f", 0644, 0, 0, TestTree.T, 0, Content.of(real));
    try (FuseMount mount = FuseMount.mount(dir, fs, MountOptions.defaults())) {
      assertThatThrownBy(() -> mount.notifyStore(f.ino(), 0, ByteBuffer.wrap(new byte[10])))
          .isInstanceOf(FuseException.class); // the kernel has not looked the inode up yet
      assertThat(Files.size(dir.resolve("f"))).isEqualTo(8192);
      byte[] pushed = TestTree.bytes(6, 8192);
      mount.notifyStore(f.ino(), 0, ByteBuffer.allocateDirect(8192).put(pushed).flip());
      assertThat(Files.readAllBytes(dir.resolve("f"))).isEqualTo(pushed);
      assertThat(fs.reads.get()).isZero();

      mount.invalidateInode(f.ino(), 0, -1);
      assertThat(Files.readAllBytes(dir.resolve("f"))).isEqualTo(real);
      assertThat(fs.reads.get()).isPositive();

      long lookups = fs.lookupCalls.get();
      assertThat(Files.exists(dir.resolve("f"))).isTrue();
      assertThat(fs.lookupCalls.get()).as("cached for the entry timeout").isEqualTo(lookups);
      mount.invalidateEntry(FileSystem.ROOT, "f");
      assertThat(Files.exists(dir.resolve("f"))).isTrue();
      assertThat(fs.lookupCalls.get()).isEqualTo(lookups + 1);
    }
    assertThat(fs.errors).isEmpty();
  }

  @Test
  void mountsThroughFusermount3WithTheDescriptorPassedBack() throws Exception {
    MemoryFileSystem fs = new MemoryFileSystem(0755, TestTree.T);
    fs.file(fs.root(), "f", 0644, 0, 0, TestTree.T, 0, Content.of(TestTree.bytes(3, 5000)));
    try (FuseMount mount = FuseMount.mount(dir, fs, MountOptions.defaults(), true)) {
      assertThat(Files.readAllBytes(dir.resolve("f"))).isEqualTo(TestTree.bytes(3, 5000));
      assertThat(MountTable.at(dir)).get().satisfies(m -> {
        assertThat(m.type()).isEqualTo("fuse.lazypull");
        assertThat(m.source()).isEqualTo("lazypull");
      });
      assertThat(mount.negotiated().maxRead()).isEqualTo(1 << 20);
    }
  }

  @Test
  void anUnmountFromOutsideEndsTheConnectionAndCompletesEnded() throws Exception {
    MemoryFileSystem fs = new MemoryFileSystem(0755, TestTree.T);
    fs.file(fs.root(), "f", 0644, 0, 0, TestTree.T, 0, Content.of(new byte[100]));
    try (FuseMount mount = FuseMount.mount(dir, fs, MountOptions.defaults())) {
      assertThat(Files.readAllBytes(dir.resolve("f"))).hasSize(100);
      assertThat(mount.ended()).isNotDone();
      assertThat(FuseMount.isMountPoint(dir)).isTrue();
      Process umount = new ProcessBuilder("umount", dir.toString()).inheritIO().start();
      assertThat(umount.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(umount.exitValue()).isZero();
      // No DESTROY comes for a fuse (not fuseblk) mount: the server learns it from ENODEV.
      mount.ended().get(30, TimeUnit.SECONDS);
      assertThat(MountTable.at(dir)).isEmpty();
      assertThat(FuseMount.isMountPoint(dir)).isFalse();
    }
  }

  @Test
  void closeWhileBusyDetachesAndStops() throws Exception {
    MemoryFileSystem fs = new MemoryFileSystem(0755, TestTree.T);
    fs.file(fs.root(), "f", 0644, 0, 0, TestTree.T, 0, Content.of(new byte[100]));
    FuseMount mount = FuseMount.mount(dir, fs, MountOptions.defaults());
    FileChannel busy = FileChannel.open(dir.resolve("f"));
    long start = System.nanoTime();
    mount.close();
    // without the abort, close would wait out two 5 s stop timeouts
    assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start)).isLessThan(9);
    assertThat(MountTable.at(dir)).isEmpty();
    assertThatThrownBy(() -> busy.read(ByteBuffer.allocate(10), 0)).isInstanceOf(IOException.class)
        .hasMessageContaining("not connected");
    assertThatThrownBy(busy::close).isInstanceOf(IOException.class); // its release cannot reach us any more
  }

  @Test
  void sigtermUnmountsThroughTheShutdownHookAndSigkillLeavesAMountCleanupRemoves() throws Exception {
    Process normal = startMountProcess();
    normal.destroy();
    assertThat(normal.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(MountTable.at(dir)).as("after SIGTERM").isEmpty();

    Process killed = startMountProcess();
    killed.destroyForcibly();
    assertThat(killed.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(MountTable.at(dir)).as("after SIGKILL").isPresent();
    assertThatThrownBy(() -> Files.readAttributes(dir, "unix:ino")).isInstanceOf(FileSystemException.class)
        .hasMessageContaining("not connected");
    assertThat(FuseMount.unmountStale(dir)).isTrue();
    assertThat(FuseMount.unmountStale(dir)).isFalse();
  }

  private Process startMountProcess() throws IOException {
    String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process p = new ProcessBuilder(java.toString(), "--enable-native-access=ALL-UNNAMED", "-cp", classpath,
        MountMain.class.getName(), dir.toString()).redirectErrorStream(true).start();
    BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    String line;
    while ((line = out.readLine()) != null && !line.equals("ready")) {
      // skip JVM warnings
    }
    assertThat(line).as("child mounted").isEqualTo("ready");
    assertThat(Files.readString(dir.resolve("hello"))).isEqualTo("hello\n");
    return p;
  }
}
