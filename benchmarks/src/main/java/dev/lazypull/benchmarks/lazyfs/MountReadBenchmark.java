package dev.lazypull.benchmarks.lazyfs;

import dev.lazypull.lazyfs.mount.ImageMount;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
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

/**
 * Warm reads of the largest file of the Debian python3 + numpy image: on the lazy mount (every
 * chunk already in the memory tier) against the same bytes on tmpfs. {@code pageCache=false}
 * drops the file's pages before each operation so that every read reaches FUSE and the snapshotter
 * (the mount's own speed); {@code true} lets the kernel keep them (what a warm program sees, since
 * the mount opens files with keep_cache). The sequential score is the time to read the whole file
 * with 1 MiB reads (its size is printed at setup); the random score is 4 KiB reads per second.
 * Run: {@code java -jar benchmarks/target/benchmarks.jar MountReadBenchmark}.
 */
@State(Scope.Benchmark)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class MountReadBenchmark {

  @Param({"mount", "tmpfs"})
  String source;

  @Param({"false", "true"})
  boolean pageCache;

  private MountedImage image;
  private ImageMount mount;
  private Path tmpfsCopy;
  private Path file;
  private long size;
  private FileChannel channel;
  private final ByteBuffer big = ByteBuffer.allocateDirect(1 << 20);
  private final ByteBuffer small = ByteBuffer.allocateDirect(4096);
  private final SplittableRandom random = new SplittableRandom(1);

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    image = MountedImage.start();
    mount = image.mount("mnt", image.work.resolve("cache"));
    Path inMount = largestFile(mount.mountPoint());
    size = Files.size(inMount);
    try (FileChannel warm = FileChannel.open(inMount)) {
      readAll(warm); // every chunk fetched once: the memory tier holds the file from here on
    }
    tmpfsCopy = Files.createTempDirectory(Path.of("/dev/shm"), "lazypull-bench").resolve("file");
    Files.copy(inMount, tmpfsCopy, StandardCopyOption.REPLACE_EXISTING);
    file = source.equals("mount") ? inMount : tmpfsCopy;
    channel = FileChannel.open(file);
    System.out.println("file: " + mount.mountPoint().relativize(inMount) + ", " + size + " bytes");
  }

  /** The image's largest regular file (symlinks not followed: their targets are absolute). */
  private static Path largestFile(Path root) throws IOException {
    Path best = null;
    long bestSize = -1;
    try (var files = Files.walk(root)) {
      for (Path p : files.toList()) {
        var attrs = Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class, java.nio.file.LinkOption.NOFOLLOW_LINKS);
        if (attrs.isRegularFile() && attrs.size() > bestSize) {
          best = p;
          bestSize = attrs.size();
        }
      }
    }
    return best;
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    channel.close();
    mount.close();
    image.close();
    MountedImage.deleteTree(tmpfsCopy.getParent());
  }

  private long readAll(FileChannel ch) throws IOException {
    long total = 0;
    long pos = 0;
    while (pos < size) {
      big.clear();
      int n = ch.read(big, pos);
      if (n < 0) {
        break;
      }
      pos += n;
      total += n;
    }
    return total;
  }

  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public long sequentialWholeFile() throws IOException {
    if (!pageCache) {
      PageCache.drop(file);
    }
    return readAll(channel);
  }

  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.SECONDS)
  public int random4k() throws IOException {
    if (!pageCache) {
      PageCache.drop(file);
    }
    small.clear();
    long offset = random.nextLong(size / 4096) * 4096;
    return channel.read(small, offset);
  }
}
