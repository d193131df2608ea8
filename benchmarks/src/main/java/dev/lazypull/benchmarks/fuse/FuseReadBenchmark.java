package dev.lazypull.benchmarks.fuse;

import dev.lazypull.fuse.FuseMount;
import dev.lazypull.fuse.MountOptions;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Random;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Reads through lazypull's FUSE binding against the same bytes on tmpfs (needs root and
 * /dev/fuse). Targets: {@code tmpfs}; {@code fuse}, the in-memory {@link BenchFileSystem} answering
 * every READ from Java; {@code passthrough}, the same mount with the data file handed to the kernel
 * (backed by the tmpfs copy).
 *
 * <ul>
 *   <li>{@code coldSequential}: the whole 256 MiB file in 1 MiB reads after dropping its page cache
 *       (FUSE: NOTIFY_INVAL_INODE; passthrough and tmpfs have no cache of their own to drop)</li>
 *   <li>{@code warmSequential}: 1 MiB reads, page cache warm</li>
 *   <li>{@code warmRandom4k}: 4 KiB reads at random aligned offsets, warm (run with -t 1 and -t 4)</li>
 *   <li>{@code coldListTree}: stat every entry of a 20,000-file tree on a fresh mount, as {@code ls -lR}</li>
 * </ul>
 */
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx1g"})
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
public class FuseReadBenchmark {
  static final int SIZE = 256 << 20;
  static final int MIB = 1 << 20;
  static final int DIRS = 200;
  static final int FILES_PER_DIR = 100;

  @Param({"tmpfs", "fuse", "passthrough"})
  public String target;

  private Path work;
  private Path tmpfsFile;
  private Path tmpfsTree;
  private Path mountDir;
  private ByteBuffer data;
  private FuseMount mount;
  private Path file;
  private FileChannel channel;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    byte[] bytes = new byte[SIZE];
    new Random(42).nextBytes(bytes);
    data = ByteBuffer.allocateDirect(SIZE).put(bytes).flip();
    work = Files.createTempDirectory(Path.of("/dev/shm"), "lazypull-bench-fuse-");
    tmpfsFile = Files.write(work.resolve("data"), bytes);
    tmpfsTree = work.resolve("tree");
    for (int d = 0; d < DIRS; d++) {
      Path dir = Files.createDirectories(tmpfsTree.resolve("d" + d));
      for (int f = 0; f < FILES_PER_DIR; f++) {
        Files.createFile(dir.resolve("f" + f));
      }
    }
    mountDir = Files.createTempDirectory("lazypull-bench-fuse-mnt-");
    if (!target.equals("tmpfs")) {
      mount = mount();
    }
    file = target.equals("tmpfs") ? tmpfsFile : mountDir.resolve("data");
    channel = FileChannel.open(file);
  }

  private FuseMount mount() throws IOException {
    Path backing = target.equals("passthrough") ? tmpfsFile : null;
    return FuseMount.mount(mountDir, new BenchFileSystem(data, DIRS, FILES_PER_DIR, backing), MountOptions.defaults());
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    channel.close();
    if (mount != null) {
      mount.close();
    }
    Files.delete(mountDir);
    try (Stream<Path> s = Files.walk(work)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  /** Per-thread read buffer and position. */
  @State(Scope.Thread)
  public static class Reader {
    final ByteBuffer buffer = ByteBuffer.allocateDirect(MIB);
    long position;
  }

  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.SECONDS)
  public int warmSequential(Reader r) throws IOException {
    r.buffer.clear();
    int n = channel.read(r.buffer, r.position);
    r.position = (r.position + MIB) % SIZE;
    return n;
  }

  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.SECONDS)
  public int warmRandom4k(Reader r) throws IOException {
    r.buffer.clear().limit(4096);
    return channel.read(r.buffer, (long) ThreadLocalRandom.current().nextInt(SIZE / 4096) * 4096);
  }

  /** Drops the file's page cache so that every byte comes through the file system again. */
  @State(Scope.Benchmark)
  public static class Cold {
    @Setup(Level.Invocation)
    public void drop(FuseReadBenchmark b) {
      if (b.target.equals("fuse")) {
        b.mount.invalidateInode(BenchFileSystem.DATA, 0, -1);
      }
    }
  }

  @Benchmark
  @BenchmarkMode(Mode.SingleShotTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  @Warmup(iterations = 3, batchSize = 1)
  @Measurement(iterations = 10, batchSize = 1)
  public long coldSequential(Cold cold, Reader r) throws IOException {
    long total = 0;
    try (FileChannel ch = FileChannel.open(file)) {
      for (long pos = 0; pos < SIZE; pos += MIB) {
        r.buffer.clear();
        total += ch.read(r.buffer, pos);
      }
    }
    return total;
  }

  /** A fresh mount per listing, so that no lookup or attribute is cached. */
  @State(Scope.Benchmark)
  public static class FreshMount {
    @Setup(Level.Invocation)
    public void remount(FuseReadBenchmark b) throws IOException {
      if (b.mount != null) {
        b.channel.close();
        b.mount.close();
        b.mount = b.mount();
        b.channel = FileChannel.open(b.file);
      }
    }
  }

  @Benchmark
  @BenchmarkMode(Mode.SingleShotTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  @Warmup(iterations = 3, batchSize = 1)
  @Measurement(iterations = 10, batchSize = 1)
  public void coldListTree(FreshMount fresh, Blackhole bh) throws IOException {
    Path root = target.equals("tmpfs") ? tmpfsTree : mountDir.resolve("tree");
    try (Stream<Path> s = Files.walk(root)) {
      s.forEach(p -> {
        try {
          bh.consume(Files.readAttributes(p, "unix:mode,uid,gid,size,lastModifiedTime,nlink",
              LinkOption.NOFOLLOW_LINKS));
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
    }
  }

}
