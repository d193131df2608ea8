package dev.lazypull.benchmarks.registry;

import dev.lazypull.oci.Digest;
import dev.lazypull.registry.CredentialSource;
import dev.lazypull.registry.ImageStore;
import dev.lazypull.registry.ImageStores;
import dev.lazypull.registry.RegistryOptions;
import dev.lazypull.testkit.registry.RegistryServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * Range-read throughput from Debian's docker-registry on loopback: registry-client against curl
 * for the same ranges. One operation reads {@link #RANGES} ranges of {@code rangeSize} bytes at
 * random offsets of a 64 MiB blob, one after another on a keep-alive connection ({@code serial})
 * or 8 at a time ({@code parallel}); curl gets the same ranges in one process (so its connection
 * is reused too, and with {@code --parallel --parallel-max 8} for the parallel case). MB/s =
 * RANGES x rangeSize / time per operation.
 *
 * <pre>
 * ./mvnw -q -pl benchmarks -am package -DskipTests
 * java -jar benchmarks/target/benchmarks.jar RangeReadBenchmark
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@State(Scope.Benchmark)
public class RangeReadBenchmark {
  static final int RANGES = 32;
  static final int BLOB_SIZE = 64 << 20;
  static final int PARALLEL = 8;

  @Param({"65536", "1048576", "8388608"})
  int rangeSize;

  private RegistryServer registry;
  private ImageStore store;
  private Digest digest;
  private long[] offsets;
  private Path curlSerial;
  private Path curlParallel;
  private Path work;
  private ExecutorService threads;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    registry = RegistryServer.builder().start();
    work = Files.createTempDirectory("lazypull-range-bench");
    byte[] blob = new byte[BLOB_SIZE];
    new Random(42).nextBytes(blob);
    digest = Digest.sha256(blob);
    Path file = Files.write(work.resolve("blob"), blob);
    RegistryOptions options = RegistryOptions.defaults().withCredentials(CredentialSource.none()).withMaxParallelRequests(PARALLEL);
    store = ImageStores.open(registry.reference("bench/ranges"), options);
    store.putBlob(digest, BLOB_SIZE, file);
    Random random = new Random(7);
    offsets = new long[RANGES];
    for (int i = 0; i < RANGES; i++) {
      offsets[i] = random.nextInt(BLOB_SIZE - rangeSize + 1);
    }
    curlSerial = curlConfig("serial.curlrc");
    curlParallel = curlConfig("parallel.curlrc");
    threads = Executors.newVirtualThreadPerTaskExecutor();
  }

  private Path curlConfig(String name) throws IOException {
    String url = registry.baseUri() + "/v2/bench/ranges/blobs/" + digest;
    StringBuilder config = new StringBuilder();
    for (int i = 0; i < RANGES; i++) {
      if (i > 0) {
        config.append("next\n");
      }
      config.append("url = \"").append(url).append("\"\n")
          .append("range = \"").append(offsets[i]).append('-').append(offsets[i] + rangeSize - 1).append("\"\n")
          .append("output = \"/dev/null\"\n")
          .append("silent\nfail\n");
    }
    return Files.writeString(work.resolve(name), config);
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    threads.close();
    store.close();
    registry.close();
    try (var files = Files.list(work)) {
      for (Path p : files.toList()) {
        Files.delete(p);
      }
    }
    Files.delete(work);
  }

  @Benchmark
  public void registryClientSerial(Blackhole bh) throws IOException {
    for (long offset : offsets) {
      bh.consume(store.readBlobRange(digest, offset, rangeSize));
    }
  }

  @Benchmark
  public void registryClientParallel(Blackhole bh) throws Exception {
    List<Future<byte[]>> results = new ArrayList<>(RANGES);
    for (long offset : offsets) {
      results.add(threads.submit(() -> store.readBlobRange(digest, offset, rangeSize)));
    }
    for (Future<byte[]> f : results) {
      bh.consume(f.get());
    }
  }

  @Benchmark
  public int curlSerial() throws Exception {
    return curl(List.of("curl", "--config", curlSerial.toString()));
  }

  @Benchmark
  public int curlParallel() throws Exception {
    return curl(List.of("curl", "--parallel", "--parallel-max", String.valueOf(PARALLEL), "--config", curlParallel.toString()));
  }

  private static int curl(List<String> command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    int exit = p.waitFor();
    if (exit != 0) {
      throw new IllegalStateException("curl failed with " + exit + ": " + command);
    }
    return exit;
  }
}
