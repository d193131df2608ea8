package dev.lazypull.benchmarks.format;

import dev.lazypull.format.EncodedLayer;
import dev.lazypull.format.FormatException;
import dev.lazypull.format.IndexBudget;
import dev.lazypull.format.encode.EncoderOptions;
import dev.lazypull.format.merge.MergedIndex;
import dev.lazypull.format.toc.LayerToc;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What a mount pays for metadata: decoding a layer's TOC (digest check included) and merging it
 * into the inode tables, and a path lookup afterwards. The layer holds many entries (the real-file
 * corpus with each file cut to 4 KiB, about 60k entries: a large image's worth of files). Run:
 * {@code java -jar benchmarks/target/benchmarks.jar TocBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx3g"})
public class TocBenchmark {
  private byte[] toc;
  private EncodedLayer layer;
  private LayerToc decoded;
  private MergedIndex index;
  private byte[][][] lookups;
  private int next;

  @Setup
  public void setUp() throws IOException {
    LayerCorpus corpus = LayerCorpus.load(256L << 20, 4096);
    ByteArrayOutputStream blob = new ByteArrayOutputStream();
    layer = corpus.encode(EncoderOptions.defaults(), blob);
    byte[] b = blob.toByteArray();
    toc = Arrays.copyOfRange(b, (int) layer.toc().offset(), b.length);
    decoded = LayerToc.read(toc, layer.descriptor(), layer.toc(), IndexBudget.unlimited());
    index = MergedIndex.of(List.of(decoded));
    lookups = new byte[1024][][];
    for (int i = 0; i < lookups.length; i++) {
      String path = decoded.path((int) ((long) i * decoded.entryCount() / lookups.length));
      lookups[i] = Arrays.stream(path.split("/")).map(s -> s.getBytes(StandardCharsets.UTF_8)).toArray(byte[][]::new);
    }
    System.out.printf("%n%d entries, %d frames, TOC %d bytes (%.3f%% of %d tar bytes)%n", decoded.entryCount(),
        decoded.frames().size(), toc.length, 100.0 * toc.length / layer.uncompressedSize(), layer.uncompressedSize());
  }

  @Benchmark
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public LayerToc decodeToc() throws FormatException {
    return LayerToc.read(toc, layer.descriptor(), layer.toc(), IndexBudget.unlimited());
  }

  @Benchmark
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public MergedIndex buildMergedIndex() throws FormatException {
    return MergedIndex.of(List.of(decoded));
  }

  /** A full path walk (one binary search per component) of an existing file. */
  @Benchmark
  @OutputTimeUnit(TimeUnit.NANOSECONDS)
  public long lookupPath() {
    byte[][] names = lookups[next++ & (lookups.length - 1)];
    long ino = MergedIndex.ROOT;
    for (byte[] name : names) {
      ino = index.lookup(ino, name);
    }
    return ino;
  }
}
