package dev.lazypull.benchmarks.lazyfs;

import dev.lazypull.benchmarks.link.LinkEmulator;
import dev.lazypull.benchmarks.link.LinkProfile;
import dev.lazypull.lazyfs.stats.ReadStat;
import dev.lazypull.registry.ImageStore;
import dev.lazypull.registry.ImageStores;
import dev.lazypull.registry.RegistryOptions;
import dev.lazypull.lazyfs.fetch.FetchOptions;
import dev.lazypull.lazyfs.mount.ImageMount;
import dev.lazypull.lazyfs.stats.StatsSnapshot;
import java.io.IOException;
import java.net.InetSocketAddress;
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
 * Cold start of {@code python3 -c "import numpy"} from a lazy mount: each operation mounts the
 * Debian python3 + numpy image with an empty chunk cache (registry on loopback, directly or behind
 * an emulated link of 1 Gbit/s and {@code rtt}) and runs the program chrooted in it; the time
 * covers mount and program. {@code readaheadBytes} is the fetcher's readahead budget (0: off). The
 * counters give, per operation, the compressed bytes fetched, the range requests, and the bytes
 * the kernel read through the mount (the program's reads plus readahead), against the image's
 * total file bytes. Run: {@code java -jar benchmarks/target/benchmarks.jar ColdStartBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class ColdStartBenchmark {
  @Param({"0", "1048576", "2097152"})
  public int readaheadBytes;

  /** Round-trip time of the emulated link, or {@code none} to read the registry directly. */
  @Param({"none", "10ms"})
  public String rtt;

  private MountedImage image;
  private LinkEmulator link;
  private ImageStore store;
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
    store = image.store;
    if (!rtt.equals("none")) {
      link = LinkEmulator.start(new InetSocketAddress("127.0.0.1", image.registry.port()), LinkProfile.parse("1g", rtt));
      store = ImageStores.open(link.hostPort() + "/bench/debian:" + MountedImage.TAG, RegistryOptions.defaults());
    }
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
    if (link != null) {
      store.close();
      link.close();
    }
    image.close();
  }

  @Benchmark
  public void importNumpy(Traffic traffic) throws Exception {
    run++;
    Path cache = image.work.resolve("cold-cache-" + run); // empty: nothing cached
    mount = image.mount(store, "mnt-" + run, cache, FetchOptions.defaults().withReadahead(readaheadBytes));
    Process p = new ProcessBuilder("chroot", mount.mountPoint().toString(), "python3", "-c", "import numpy")
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (p.waitFor() != 0) {
      throw new IllegalStateException("python3 -c 'import numpy' failed in the mount: " + out);
    }
    StatsSnapshot s = mount.stats().snapshot();
    traffic.bytesFetched += s.get(ReadStat.BYTES_FETCHED);
    traffic.rangeRequests += s.get(ReadStat.RANGE_REQUESTS);
    traffic.bytesReadThroughMount += s.get(ReadStat.BYTES_SERVED);
    traffic.imageFileBytes += mount.fileSystem().statfs().blocks() * 4096;
  }
}
