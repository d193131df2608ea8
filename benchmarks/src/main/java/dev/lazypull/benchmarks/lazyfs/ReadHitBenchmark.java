package dev.lazypull.benchmarks.lazyfs;

import dev.lazypull.format.EncodedLayer;
import dev.lazypull.format.EntryType;
import dev.lazypull.format.TarEntry;
import dev.lazypull.format.encode.EncoderOptions;
import dev.lazypull.format.encode.LayerEncoder;
import dev.lazypull.format.merge.MergedIndex;
import dev.lazypull.format.toc.LayerToc;
import dev.lazypull.fuse.Errno;
import dev.lazypull.fuse.ReadReply;
import dev.lazypull.lazyfs.cache.ChunkCache;
import dev.lazypull.lazyfs.fetch.ChunkFetcher;
import dev.lazypull.lazyfs.fetch.FetchOptions;
import dev.lazypull.lazyfs.fs.ImageFileSystem;
import dev.lazypull.lazyfs.stats.ReadStats;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
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
 * The read path's hit path, without the kernel: a FUSE READ of {@code readSize} bytes handed to
 * {@link ImageFileSystem#read} whose chunks are all in the memory tier, answered on the calling
 * thread (what a warm mount pays per READ that misses the kernel's page cache). The image is one
 * layer of 32 files of 2 MiB (half random, half repetitive, so frames are of realistic size),
 * encoded with the default options; every chunk is loaded before measuring. Run:
 * {@code java -jar benchmarks/target/benchmarks.jar ReadHitBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class ReadHitBenchmark {
  private static final int FILES = 32;
  private static final int FILE_BYTES = 2 << 20;

  @Param({"4096", "131072", "1048576"})
  int readSize;

  private ChunkCache cache;
  private ChunkFetcher fetcher;
  private ImageFileSystem fs;
  private long[] inodes;
  private long[] offsets;
  private final CountingReply reply = new CountingReply();
  private int next;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    ByteArrayOutputStream blob = new ByteArrayOutputStream();
    EncodedLayer layer;
    try (LayerEncoder encoder = new LayerEncoder(blob, EncoderOptions.defaults())) {
      Random random = new Random(42);
      for (int i = 0; i < FILES; i++) {
        byte[] data = new byte[FILE_BYTES];
        random.nextBytes(data);
        Arrays.fill(data, FILE_BYTES / 2, FILE_BYTES, (byte) i);
        String path = "f" + i;
        byte[] header = new byte[512];
        System.arraycopy(path.getBytes(), 0, header, 0, path.length());
        TarEntry entry = new TarEntry(path, EntryType.FILE, 0644, 0, 0, data.length, 1_700_000_000L, 0, null, 0, 0, Map.of());
        encoder.addEntry(entry, header, new ByteArrayInputStream(data), data.length);
      }
      encoder.finishTar(new byte[1024]);
      layer = encoder.finish();
    }
    byte[] bytes = blob.toByteArray();
    byte[] toc = Arrays.copyOfRange(bytes, (int) layer.toc().offset(), bytes.length);
    MergedIndex index = MergedIndex.of(List.of(LayerToc.read(toc, layer.toc().digest(), layer.digest())));
    ReadStats stats = new ReadStats();
    cache = ChunkCache.open(1L << 30, null, 0, stats);
    fetcher = new ChunkFetcher(
        (d, offset, length) -> Arrays.copyOfRange(bytes, (int) offset, (int) offset + length), cache, FetchOptions.defaults(), stats);
    fs = new ImageFileSystem(index, fetcher, stats);
    inodes = new long[1024];
    offsets = new long[1024];
    Random random = new Random(7);
    for (int i = 0; i < inodes.length; i++) {
      inodes[i] = index.lookup(MergedIndex.ROOT, "f" + random.nextInt(FILES));
      offsets[i] = (long) random.nextInt(FILE_BYTES - readSize) / 4096 * 4096;
    }
    for (int i = 0; i < FILES; i++) {
      long ino = index.lookup(MergedIndex.ROOT, "f" + i);
      fetcher.load(index.chunks(ino, 0, FILE_BYTES));
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    fetcher.close();
    cache.close();
  }

  @Benchmark
  public long memoryHitRead() {
    int i = next++ & (inodes.length - 1);
    reply.bytes = -1;
    fs.read(inodes[i], 0, offsets[i], readSize, reply);
    if (reply.bytes != readSize) {
      throw new IllegalStateException("read was not answered at once from memory: " + reply.bytes);
    }
    return reply.bytes;
  }

  /** Sums what a READ is answered with, as the kernel would receive it. */
  static final class CountingReply implements ReadReply {
    long bytes;

    @Override
    public void data(ByteBuffer... buffers) {
      long n = 0;
      for (ByteBuffer b : buffers) {
        n += b.remaining();
      }
      bytes = n;
    }

    @Override
    public void error(Errno errno) {
      bytes = -2;
    }

    @Override
    public boolean isDone() {
      return bytes >= 0;
    }
  }
}
