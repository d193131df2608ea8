package dev.lazypull.benchmarks.lazyfs;

import dev.lazypull.builder.image.ConvertOptions;
import dev.lazypull.builder.image.ImageConverter;
import dev.lazypull.builder.progress.Progress;
import dev.lazypull.format.merge.MergedIndex;
import dev.lazypull.registry.layout.OciLayoutStore;
import dev.lazypull.lazyfs.mount.ImageMount;
import dev.lazypull.lazyfs.mount.MountSettings;
import dev.lazypull.testkit.images.Commands;
import dev.lazypull.testkit.images.TarWriter;
import dev.lazypull.testkit.images.TestEntry;
import dev.lazypull.testkit.images.TestLayout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
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
 * How a container's root file system answers lookups on a deep lazy image, for the two ways a
 * containerd snapshotter can lay out lazy layers under overlayfs: one FUSE mount per layer, all
 * of them overlay lower directories ({@code perLayer}, as stargz-snapshotter does), or one FUSE
 * mount of the merged index of the whole chain as the single lower directory ({@code merged}, as
 * nydus does and lazypull's snapshotter does).
 *
 * <p>The image has {@code layers} layers; layer i adds a package directory of 100 small files
 * under a directory all layers share ({@code usr/lib/python3/dist-packages}) and a program in
 * {@code usr/bin}, as pip-installed layers do. One operation, on fresh mounts (cold kernel dentry
 * caches; the mounting is not timed), stats every file of the image and makes 10 failed lookups
 * per package directory and 200 in the shared directory, the pattern of Python's import search.
 * Secondary result {@code fuseLookups}: the LOOKUPs the FUSE mounts answered with an entry.
 *
 * <p>Run (root, /dev/fuse): {@code java -jar benchmarks/target/benchmarks.jar ChainMountLookupBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 10)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class ChainMountLookupBenchmark {
  private static final String SHARED = "usr/lib/python3/dist-packages";
  private static final int FILES_PER_LAYER = 100;

  @Param({"5", "20", "40"})
  int layers;

  @Param({"merged", "perLayer"})
  String layout;

  private Path work;
  private OciLayoutStore lazy;
  private final List<ImageMount> mounts = new ArrayList<>();
  private Path rootfs;

  /** FUSE LOOKUP replies with an entry, summed over the mounts of one operation. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.EVENTS)
  public static class Lookups {
    public long fuseLookups;
  }

  @Setup(Level.Trial)
  public void build() throws IOException {
    work = Files.createTempDirectory("lazypull-bench-chain");
    Path source = work.resolve("source");
    byte[][] tars = new byte[layers][];
    for (int i = 0; i < layers; i++) {
      List<TestEntry> entries = new ArrayList<>();
      entries.add(TestEntry.dir("usr"));
      entries.add(TestEntry.dir("usr/bin"));
      entries.add(TestEntry.dir("usr/lib"));
      entries.add(TestEntry.dir("usr/lib/python3"));
      entries.add(TestEntry.dir(SHARED));
      entries.add(TestEntry.dir(SHARED + "/pkg" + i));
      for (int j = 0; j < FILES_PER_LAYER; j++) {
        entries.add(TestEntry.file(SHARED + "/pkg" + i + "/mod" + j + ".py", "x = " + i + j + "\n"));
      }
      entries.add(TestEntry.file("usr/bin/tool" + i, "#!/bin/sh\n"));
      tars[i] = TarWriter.tar(entries.toArray(TestEntry[]::new));
      TestLayout.writeImage(source, "layer" + i, TestLayout.Compression.GZIP, tars[i]);
    }
    TestLayout.writeImage(source, "deep", TestLayout.Compression.GZIP, tars);
    lazy = OciLayoutStore.openOrCreate(work.resolve("lazy"));
    try (OciLayoutStore src = OciLayoutStore.open(source)) {
      ImageConverter converter = new ImageConverter(src, lazy,
          ConvertOptions.defaults().withWorkDir(Files.createDirectories(work.resolve("convert"))), Progress.silent());
      converter.convert("deep", "deep");
      for (int i = 0; i < layers; i++) {
        converter.convert("layer" + i, "layer" + i);
      }
    }
  }

  @Setup(Level.Invocation)
  public void mount() throws IOException {
    Path run = Files.createTempDirectory(work, "run");
    MountSettings settings = MountSettings.defaults(null);
    List<String> lowers = new ArrayList<>();
    if (layout.equals("merged")) {
      mounts.add(ImageMount.open(lazy, "deep", Files.createDirectories(run.resolve("merged")), settings));
      lowers.add(run.resolve("merged").toString());
    } else {
      for (int i = layers - 1; i >= 0; i--) { // overlay's lowerdir lists the topmost first
        Path dir = Files.createDirectories(run.resolve("layer" + i));
        mounts.add(ImageMount.open(lazy, "layer" + i, dir, settings));
        lowers.add(dir.toString());
      }
    }
    rootfs = Files.createDirectories(run.resolve("rootfs"));
    Commands.run(60, "mount", "-t", "overlay", "overlay", "-o",
        "lowerdir=" + String.join(":", lowers) + ",upperdir=" + Files.createDirectories(run.resolve("upper"))
            + ",workdir=" + Files.createDirectories(run.resolve("work")), rootfs.toString());
  }

  @Benchmark
  public int lookups(Lookups counters) throws IOException {
    int found = 0;
    for (int i = 0; i < layers; i++) {
      Path pkg = rootfs.resolve(SHARED).resolve("pkg" + i);
      for (int j = 0; j < FILES_PER_LAYER; j++) {
        found += exists(pkg.resolve("mod" + j + ".py")) ? 1 : 0;
      }
      for (int j = 0; j < 10; j++) {
        found += exists(pkg.resolve("mod" + j + ".cpython-311-x86_64-linux-gnu.so")) ? 1 : 0;
      }
      found += exists(rootfs.resolve("usr/bin/tool" + i)) ? 1 : 0;
    }
    for (int k = 0; k < 200; k++) {
      found += exists(rootfs.resolve(SHARED).resolve("missing" + k)) ? 1 : 0;
    }
    if (found != layers * (FILES_PER_LAYER + 1)) {
      throw new IllegalStateException("found " + found + " files, expected " + layers * (FILES_PER_LAYER + 1));
    }
    long total = 0;
    for (ImageMount m : mounts) {
      MergedIndex index = m.image().index();
      for (long ino = 1; ino <= index.maxInode(); ino++) {
        total += m.fileSystem().lookupCount(ino);
      }
    }
    counters.fuseLookups = total;
    return found;
  }

  private static boolean exists(Path p) throws IOException {
    try {
      Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      return true;
    } catch (NoSuchFileException e) {
      return false;
    }
  }

  @TearDown(Level.Invocation)
  public void unmount() throws IOException {
    Commands.run(60, "umount", rootfs.toString());
    for (ImageMount m : mounts) {
      m.close();
    }
    mounts.clear();
    Commands.run(60, "rm", "-rf", "--one-file-system", rootfs.getParent().toString());
  }

  @TearDown(Level.Trial)
  public void delete() throws IOException {
    lazy.close();
    Commands.run(120, "rm", "-rf", "--one-file-system", work.toString());
  }
}
