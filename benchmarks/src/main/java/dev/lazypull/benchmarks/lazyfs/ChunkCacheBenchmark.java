package dev.lazypull.benchmarks.lazyfs;

import dev.lazypull.oci.Digest;
import dev.lazypull.lazyfs.cache.ChunkCache;
import dev.lazypull.lazyfs.cache.DiskTier;
import dev.lazypull.lazyfs.stats.ReadStats;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Random;
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

/**
 * What a chunk cache hit costs: the memory tier (a Caffeine lookup) and the disk tier (open, read,
 * SHA-256 verification of a chunk in the page cache), per chunk size. Run:
 * {@code java -jar benchmarks/target/benchmarks.jar ChunkCacheBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ChunkCacheBenchmark {
  private static final int CHUNKS = 256;

  @Param({"65536", "262144"})
  int chunkSize;

  private Path dir;
  private ChunkCache cache;
  private DiskTier disk;
  private Digest[] digests;
  private int next;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    dir = Files.createTempDirectory("chunk-cache-bench");
    ReadStats stats = new ReadStats();
    cache = ChunkCache.open(1L << 30, dir, 1L << 32, stats);
    disk = cache.disk();
    digests = new Digest[CHUNKS];
    Random random = new Random(42);
    for (int i = 0; i < CHUNKS; i++) {
      byte[] data = new byte[chunkSize];
      random.nextBytes(data);
      digests[i] = Digest.sha256(data);
      disk.put(digests[i], data);
      cache.put(digests[i], data);
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    cache.close();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  private Digest nextDigest() {
    next = (next + 1) & (CHUNKS - 1);
    return digests[next];
  }

  @Benchmark
  public byte[] memoryHit() {
    return cache.getIfInMemory(nextDigest());
  }

  @Benchmark
  public byte[] diskHitVerified() {
    return disk.get(nextDigest());
  }
}
