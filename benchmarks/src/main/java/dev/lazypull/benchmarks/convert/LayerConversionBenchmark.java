package dev.lazypull.benchmarks.convert;

import dev.lazypull.builder.layer.ConvertedLayer;
import dev.lazypull.builder.layer.LayerConverter;
import dev.lazypull.builder.layer.LowerLayerFiles;
import dev.lazypull.builder.progress.Progress;
import dev.lazypull.format.encode.EncoderOptions;
import dev.lazypull.oci.Descriptor;
import dev.lazypull.oci.OciJson;
import dev.lazypull.registry.layout.OciLayoutStore;
import dev.lazypull.testkit.images.DebianImages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
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
 * Conversion throughput of one real layer, the whole pipeline as {@code lazypull convert} runs it:
 * read the tar+gzip blob from an OCI layout, gunzip on one thread, parse the tar, encode (chunking,
 * zstd on the encoder's threads, SHA-256 of chunks, layer and diff_id) to a file. The
 * {@code megabytes} counter is MB/s (10^6 bytes) of uncompressed input; goal >= 100 on 2 cores.
 * The layer is the Debian minbase layer of the test images (121 MB of ELF binaries, shared
 * libraries, perl modules and docs), built and cached on first use.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar LayerConversionBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 10)
@Measurement(iterations = 5, time = 10)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx512m"})
public class LayerConversionBenchmark {

  @Param({"debian-minbase"})
  String image;

  @Param({"3"})
  int level;

  private OciLayoutStore store;
  private Descriptor layer;
  private Path workDir;
  private LayerConverter converter;

  /** Uncompressed megabytes converted; JMH reports it per second. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.OPERATIONS)
  public static class Bytes {
    public double megabytes;

    @Setup(Level.Iteration)
    public void reset() {
      megabytes = 0;
    }
  }

  @Setup
  public void setUp() throws IOException {
    DebianImages images = DebianImages.get();
    store = OciLayoutStore.open(images.layout());
    byte[] manifest = store.getManifest(image).bytes();
    layer = OciJson.parseManifest(manifest).layers().getFirst();
    workDir = Files.createTempDirectory("lazypull-bench-");
    converter = new LayerConverter(EncoderOptions.defaults().withLevel(level), workDir, Progress.silent());
  }

  @TearDown
  public void tearDown() throws IOException {
    store.close();
    Files.deleteIfExists(workDir);
  }

  @Benchmark
  public long convert(Bytes bytes) throws IOException {
    ConvertedLayer c = converter.convert(store, layer, new LowerLayerFiles(), "benchmark");
    Files.delete(c.blob());
    bytes.megabytes += c.encoded().uncompressedSize() / 1e6;
    return c.encoded().compressedSize();
  }
}
