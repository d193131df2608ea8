package dev.lazypull.benchmarks.format;

import dev.lazypull.format.chunking.FastCdc;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * FastCDC cut-point search in MiB/s (one operation = one MiB), with the default sizes; it runs on
 * the encoder's feeding thread, so it bounds the encoder however many threads compress. Run:
 * {@code java -jar benchmarks/target/benchmarks.jar FastCdcBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "-Xmx1g")
public class FastCdcBenchmark {
  static final int MIB = 32;

  private final FastCdc cdc = new FastCdc(64 << 10, 256 << 10, 1 << 20);
  private byte[] data;

  @Setup
  public void setUp() {
    data = new byte[MIB << 20];
    new Random(1).nextBytes(data);
  }

  @Benchmark
  @OperationsPerInvocation(MIB)
  public int chunkAll() {
    int pos = 0;
    int chunks = 0;
    while (pos < data.length) {
      pos += cdc.cut(data, pos, Math.min(cdc.maxSize(), data.length - pos));
      chunks++;
    }
    return chunks;
  }
}
