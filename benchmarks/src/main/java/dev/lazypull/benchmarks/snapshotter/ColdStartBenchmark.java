package dev.lazypull.benchmarks.snapshotter;

import dev.lazypull.snapshotter.mount.ImageMount;
import dev.lazypull.snapshotter.stats.StatsSnapshot;
import java.io.IOException;
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
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Cold start of {@code python3 -c "import numpy"} from a lazy mount: each operation mounts the
 * Debian python3 + numpy image with an empty chunk cache (registry on loopback, no link shaping)
 * and runs the program chrooted in it; the time covers mount and program. The counters give, per
 * operation, the compressed bytes fetched, the range requests, and the bytes the kernel read
 * through the mount (the program's reads plus readahead), against the image's total file bytes.
 * Run: {@code java -jar benchmarks/target/benchmarks.jar ColdStartBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class ColdStartBenchmark {
  private MountedImage image;
  private ImageMount mount;
  private int run;

  /** What one cold start fetched and read; JMH reports the sums over the iterations. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.EVENTS)
  public static class Traffic {
    public long bytesFetched;
    public long rangeRequests;
    public long bytesReadThroughMount;
    public long imageFileBytes;
  }

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    image = MountedImage.start();
  }

  @TearDown(Level.Invocation)
  public void unmount() {
    if (mount != null) {
      mount.close();
      mount = null;
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    image.close();
  }

  @Benchmark
  public void importNumpy(Traffic traffic) throws Exception {
    run++;
    Path cache = image.work.resolve("cold-cache-" + run); // empty: nothing cached
    mount = image.mount("mnt-" + run, cache);
    Process p = new ProcessBuilder("chroot", mount.mountPoint().toString(), "python3", "-c", "import numpy")
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (p.waitFor() != 0) {
      throw new IllegalStateException("python3 -c 'import numpy' failed in the mount: " + out);
    }
    StatsSnapshot s = mount.stats().snapshot();
    traffic.bytesFetched += s.bytesFetched();
    traffic.rangeRequests += s.rangeRequests();
    traffic.bytesReadThroughMount += s.bytesServed();
    traffic.imageFileBytes += mount.fileSystem().statfs().blocks() * 4096;
  }
}
