package dev.lazypull.benchmarks.lazyfs;

import dev.lazypull.benchmarks.link.LinkEmulator;
import dev.lazypull.benchmarks.link.LinkProfile;
import dev.lazypull.benchmarks.pulltime.Workload;
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
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * Cold {@code python3 -c "import numpy"} from a lazy mount of the Debian python3 + numpy image,
 * converted without and with {@code --record "python3 -c 'import numpy'"}, and warm, side by
 * side in one run, behind the user-space link emulator (1 Gbit/s, {@code rtt}). {@code importStack}
 * does the same for the big image (1.4 GB uncompressed, testkit {@code DebianImages.stack()}, built
 * on first use) and its start-up {@code python3 -c "import scipy, pandas, matplotlib"}, with a
 * fresh tmpfs on its /tmp (matplotlib needs a writable directory). Each operation mounts with an
 * empty chunk cache (fetcher defaults, 1 MiB readahead; no background fetch) and runs the program
 * chrooted; the time covers mount to exit. Counters per operation: compressed bytes fetched, range
 * requests, bytes the kernel read through the mount, chunks reads had to fetch themselves
 * (demand misses), and prefetched bytes no read used (waste). Run: {@code java -jar
 * benchmarks/target/benchmarks.jar RecordedStartBenchmark} (both), {@code ...
 * 'RecordedStartBenchmark.importStack'} (the big image only). {@code bashOnStack} runs {@code
 * /bin/bash -c true} on the stack image instead: what a list costs a program it was not recorded
 * for.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class RecordedStartBenchmark {
  /**
   * {@code plain}: the image converted without a list, cold cache; {@code recorded}: with the list,
   * cold cache; {@code warm}: with the list, every chunk already in the disk cache (the floor: the
   * program's own time through the mount, nothing fetched). Opt-in {@code local} ({@code -p
   * image=local}): no mount at all, the image's tree copied to local disk once and run from
   * there with the page cache warm: the floor the kernel allows, against which {@code warm}
   * prices the FUSE path itself.
   */
  @Param({"plain", "recorded", "warm"})
  public String image;

  @Param({"10ms"})
  public String rtt;

  private MountedImage images;
  /** The trial's image and tags: the numpy image, or the big stack image for {@code importStack}. */
  private String plainTag;
  private String recordedTag;
  private Path warmCache;
  private Path localRoot;
  private LinkEmulator link;
  private ImageStore store;
  private ImageMount mount;
  private int run;

  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.EVENTS)
  public static class Traffic {
    public long bytesFetched;
    public long rangeRequests;
    public long bytesReadThroughMount;
    public long demandMisses;
    public long prefetchWasteBytes;
  }

  @Setup(Level.Trial)
  public void setUp(BenchmarkParams params) throws IOException {
    boolean stack = params.getBenchmark().endsWith(".importStack") || params.getBenchmark().endsWith(".bashOnStack");
    images = stack ? MountedImage.startStack() : MountedImage.startRecorded();
    plainTag = stack ? MountedImage.STACK_TAG : MountedImage.TAG;
    recordedTag = stack ? MountedImage.STACK_RECORDED_TAG : MountedImage.RECORDED_TAG;
    link = LinkEmulator.start(new InetSocketAddress("127.0.0.1", images.registry.port()), LinkProfile.parse("1g", rtt));
    store = ImageStores.open(link.hostPort() + "/bench/debian:" + MountedImage.TAG, RegistryOptions.defaults());
    if (image.equals("warm") || image.equals("local")) {
      warmCache = images.work.resolve("warm-cache");
      try (ImageMount m = images.mount(store, recordedTag, "mnt-fill", warmCache,
          FetchOptions.defaults(), true)) {
        m.prefetcher().backgroundDone().get(10, TimeUnit.MINUTES);
        if (image.equals("local")) {
          localRoot = images.work.resolve("local-root");
          copyTree(m.mountPoint(), localRoot);
        }
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException | InterruptedException e) {
        throw new IOException("filling the warm cache failed", e);
      }
    }
  }

  /** {@code cp -a} of the mounted tree: owners, modes, links and special files as the image has them. */
  private static void copyTree(Path from, Path to) throws IOException, InterruptedException {
    java.nio.file.Files.createDirectories(to);
    Process p = new ProcessBuilder("cp", "-a", from + "/.", to.toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new IOException("copying " + from + " to " + to + " failed: " + out.strip());
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
    store.close();
    link.close();
    images.close();
  }

  @Benchmark
  public void importNumpy(Traffic traffic) throws Exception {
    Process p = new ProcessBuilder("chroot", rootForRun().toString(), "python3", "-c", "import numpy")
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (p.waitFor() != 0) {
      throw new IllegalStateException("python3 -c 'import numpy' failed in the mount: " + out);
    }
    count(traffic);
  }

  @Benchmark
  public void importStack(Traffic traffic) throws Exception {
    Workload.STACK.runIn(rootForRun());
    count(traffic);
  }

  /**
   * {@code /bin/bash -c true} on the stack image: a program the list was not recorded for, so
   * {@code recorded} against {@code plain} is what the list costs a start that does not use it.
   */
  @Benchmark
  public void bashOnStack(Traffic traffic) throws Exception {
    Workload.BASH.runIn(rootForRun());
    count(traffic);
  }

  /** The run's root: a mount with a fresh chunk cache (cold) or the filled one (warm), timed from here; or the local copy. */
  private Path rootForRun() throws IOException {
    if (localRoot != null) {
      return localRoot;
    }
    run++;
    Path cache = image.equals("warm") ? warmCache : images.work.resolve("cold-cache-" + run);
    String tag = image.equals("plain") ? plainTag : recordedTag;
    mount = images.mount(store, tag, "mnt-" + run, cache, FetchOptions.defaults(), false);
    return mount.mountPoint();
  }

  /** What the run fetched and read, taken when the program has exited. */
  private void count(Traffic traffic) {
    if (mount == null) {
      return; // the local copy: nothing fetched or read through a mount
    }
    StatsSnapshot s = mount.stats().snapshot();
    traffic.bytesFetched += s.get(ReadStat.BYTES_FETCHED);
    traffic.rangeRequests += s.get(ReadStat.RANGE_REQUESTS);
    traffic.bytesReadThroughMount += s.get(ReadStat.BYTES_SERVED);
    traffic.demandMisses += s.get(ReadStat.DEMAND_MISSES);
    traffic.prefetchWasteBytes += s.get(ReadStat.PREFETCH_WASTE_BYTES);
  }
}
