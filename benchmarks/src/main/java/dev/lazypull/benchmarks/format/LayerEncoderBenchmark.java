package dev.lazypull.benchmarks.format;

import dev.lazypull.format.EncodedLayer;
import dev.lazypull.format.encode.EncoderOptions;
import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Encoder throughput in MiB/s of uncompressed tar input (one operation = one MiB: each invocation
 * encodes a {@value #MIB} MiB layer of real files), with one and two compression threads. Goal >= 100
 * MiB/s on 2 cores. Run: {@code java -jar benchmarks/target/benchmarks.jar LayerEncoderBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 5, time = 5)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx2g"})
public class LayerEncoderBenchmark {
  static final int MIB = 64;

  @Param({"3"})
  int level;

  @Param({"1", "2"})
  int threads;

  private LayerCorpus corpus;
  private EncoderOptions options;

  @Setup
  public void setUp() throws IOException {
    corpus = LayerCorpus.load(MIB << 20);
    options = EncoderOptions.defaults().withLevel(level).withThreads(threads);
  }

  @Benchmark
  @OperationsPerInvocation(MIB)
  public EncodedLayer encode() {
    return corpus.encode(options, OutputStream.nullOutputStream());
  }
}
