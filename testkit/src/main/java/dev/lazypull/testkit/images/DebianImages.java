package dev.lazypull.testkit.images;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Real Debian images for tests, built from Debian packages and cached between runs, in one OCI
 * image layout with three tags:
 *
 * <ul>
 *   <li>{@value #MINBASE}: {@code debootstrap --variant=minbase bookworm}, one layer;
 *   <li>{@value #PYTHON}: minbase plus a layer with python3 and python3-numpy (apt caches cleaned);
 *   <li>{@value #PYTHON_APP}: python plus a small top layer (an app directory and a changed config
 *       file), the "related image" that shares every lower layer with {@value #PYTHON}.
 * </ul>
 *
 * Layers are tar+gzip written by {@code umoci repack}, which also computes whiteouts and writes
 * config (diff_ids, history) and manifest. The cache lives in {@code $LAZYPULL_TEST_CACHE} or
 * {@code /var/tmp/lazypull-test-cache}, under a directory named by {@link #RECIPE_VERSION}: change
 * the recipe, bump the version. Builds take about a minute with a fast mirror and are guarded by
 * a file lock, so parallel test JVMs build once and share the result. Needs root (chroot, mount).
 *
 * <p>{@link #stack()} adds a fourth image, {@value #PYTHON_STACK}: python plus a layer with the
 * scientific stack (scipy, pandas, matplotlib, scikit-learn, scikit-image, statsmodels and what
 * they depend on), over 1 GB uncompressed. It is built only when {@link #stack()} is called (the
 * benchmarks, or an IT that opts in), never by {@link #get()}, because it downloads some 300 MB of
 * packages: {@code ./mvnw verify} does not build it. It has its own cache directory and recipe
 * version ({@link #STACK_RECIPE_VERSION}), so adding or changing it leaves the three images above
 * (and their conversions) valid.
 */
public final class DebianImages {
  public static final String MINBASE = "debian-minbase";
  public static final String PYTHON = "debian-python";
  public static final String PYTHON_APP = "debian-python-app";
  /** Bump when the recipe below changes; old caches are then ignored. */
  public static final int RECIPE_VERSION = 1;
  /** The big image of {@link #stack()}: python plus the scientific stack, three layers. */
  public static final String PYTHON_STACK = "debian-python-stack";
  /** Bump when the stack recipe changes; it is cached apart from the three small images. */
  public static final int STACK_RECIPE_VERSION = 1;
  /** The stack image's start-up (its cmd is {@code python3 -c} this). */
  public static final String STACK_IMPORT = "import scipy, pandas, matplotlib";
  private static final String STACK_PACKAGES =
      "python3-scipy python3-pandas python3-matplotlib python3-sklearn python3-skimage python3-statsmodels";

  private static final String MIRROR = "http://deb.debian.org/debian";
  private static final String SUITE = "bookworm";
  private static final Map<String, String> APT_ENV = Map.of(
      "DEBIAN_FRONTEND", "noninteractive", "LC_ALL", "C", "PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
  private static DebianImages built;
  private static DebianImages stackBuilt;

  private final Path layout;

  private DebianImages(Path layout) {
    this.layout = layout;
  }

  /** The cache directory for test images. */
  public static Path cacheRoot() {
    String env = System.getenv("LAZYPULL_TEST_CACHE");
    return Path.of(env != null && !env.isBlank() ? env : "/var/tmp/lazypull-test-cache");
  }

  /** The images, built first when this machine has none of this recipe version yet. */
  public static synchronized DebianImages get() throws IOException {
    if (built == null) {
      built = new DebianImages(cached("debian-v" + RECIPE_VERSION, DebianImages::build).resolve("layout"));
    }
    return built;
  }

  /**
   * A layout holding only {@value #PYTHON_STACK} (with its minbase and python layers), built first
   * when this machine has none of this stack recipe version yet (minutes: it downloads the stack
   * from Debian's archive).
   */
  public static synchronized DebianImages stack() throws IOException {
    if (stackBuilt == null) {
      DebianImages base = get();
      stackBuilt = new DebianImages(cached("debian-stack-v" + STACK_RECIPE_VERSION,
          (work, done) -> buildStack(base, work, done)).resolve("layout"));
    }
    return stackBuilt;
  }

  private interface Recipe {
    /** Builds into {@code work}, writes {@code work/READY} and moves {@code work} to {@code done}. */
    void build(Path work, Path done) throws IOException;
  }

  /** {@code CACHE/NAME}, built by {@code recipe} under the file lock {@code CACHE/NAME.lock} unless ready. */
  private static Path cached(String name, Recipe recipe) throws IOException {
    Path root = Files.createDirectories(cacheRoot());
    Path done = root.resolve(name);
    try (FileChannel lockFile = FileChannel.open(root.resolve(name + ".lock"),
            StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock = lockFile.lock()) {
      if (!Files.exists(done.resolve("READY"))) {
        Path work = root.resolve(name + ".building");
        // A build killed inside a chroot step leaves /proc mounted there; never descend into it.
        try (var bundles = Files.isDirectory(work) ? Files.list(work) : Stream.<Path>empty()) {
          for (Path staleProc : bundles.map(b -> b.resolve("rootfs/proc")).filter(Files::isDirectory).toList()) {
            try {
              Commands.run(60, "umount", "-l", staleProc.toString());
            } catch (IOException notMounted) {
              // nothing mounted: the usual case
            }
          }
        }
        Commands.run(300, "rm", "-rf", "--one-file-system", work.toString(), done.toString());
        Files.createDirectories(work);
        recipe.build(work, done);
      }
    }
    return done;
  }

  /** The OCI layout holding the images' tags. Treat it as read-only: it is shared by every test. */
  public Path layout() {
    return layout;
  }

  /** {@code oci:LAYOUT:TAG}, as lazypull and skopeo take it. */
  public String reference(String tag) {
    return "oci:" + layout + ":" + tag;
  }

  private static void build(Path work, Path done) throws IOException {
    Path layout = work.resolve("layout");
    String image = layout.toString();
    Commands.run(60, "umoci", "init", "--layout", image);
    Commands.run(60, "umoci", "new", "--image", image + ":empty");

    // (a) minbase: debootstrap into the empty bundle's rootfs, then clean what apt leaves behind.
    Path minbase = work.resolve("bundle-minbase");
    Commands.run(60, "umoci", "unpack", "--image", image + ":empty", minbase.toString());
    Path rootfs = minbase.resolve("rootfs");
    Commands.run(900, null, APT_ENV, List.of("debootstrap", "--variant=minbase", SUITE, rootfs.toString(), MIRROR));
    cleanApt(rootfs);
    Commands.run(600, "umoci", "repack", "--image", image + ":" + MINBASE,
        "--history.created_by", "debootstrap --variant=minbase " + SUITE + " / " + MIRROR, minbase.toString());

    // (b) python: a second layer from apt-get inside a chroot of minbase.
    Path python = work.resolve("bundle-python");
    Commands.run(300, "umoci", "unpack", "--image", image + ":" + MINBASE, python.toString());
    Path pyroot = python.resolve("rootfs");
    chrootApt(pyroot, "apt-get update -qq && apt-get install -y -qq --no-install-recommends python3 python3-numpy", 1200);
    cleanApt(pyroot);
    Commands.run(600, "umoci", "repack", "--image", image + ":" + PYTHON,
        "--history.created_by", "apt-get install -y --no-install-recommends python3 python3-numpy", python.toString());

    // (c) python-app: the related image, a small new top layer on python.
    Path app = work.resolve("bundle-app");
    Commands.run(300, "umoci", "unpack", "--image", image + ":" + PYTHON, app.toString());
    Path approot = app.resolve("rootfs");
    Files.createDirectories(approot.resolve("app"));
    Files.writeString(approot.resolve("app/main.py"),
        "import numpy\nprint('lazypull test app', numpy.arange(6).reshape(2, 3).sum())\n");
    Files.writeString(approot.resolve("app/settings.toml"), "name = \"lazypull-test-app\"\n");
    Files.writeString(approot.resolve("etc/motd"), "lazypull test app image\n");
    Commands.run(600, "umoci", "repack", "--image", image + ":" + PYTHON_APP,
        "--history.created_by", "COPY app/ /app/", app.toString());
    Commands.run(60, "umoci", "config", "--image", image + ":" + PYTHON_APP, "--config.workingdir", "/app",
        "--config.cmd", "python3", "--config.cmd", "/app/main.py");

    Commands.run(60, "umoci", "rm", "--image", image + ":empty");
    Commands.run(300, "umoci", "gc", "--layout", image);
    Commands.run(300, "rm", "-rf", minbase.toString(), python.toString(), app.toString());
    Files.writeString(work.resolve("READY"), "recipe " + RECIPE_VERSION + "\n");
    Files.move(work, done, StandardCopyOption.ATOMIC_MOVE);
  }

  private static void buildStack(DebianImages base, Path work, Path done) throws IOException {
    // A copy of the small images' layout, so the stack shares their blobs byte for byte.
    Path layout = work.resolve("layout");
    Commands.run(300, "cp", "-a", base.layout().toString(), layout.toString());
    String image = layout.toString();
    Path stack = work.resolve("bundle-stack");
    Commands.run(300, "umoci", "unpack", "--image", image + ":" + PYTHON, stack.toString());
    Path rootfs = stack.resolve("rootfs");
    chrootApt(rootfs, "apt-get update -qq && apt-get install -y -qq --no-install-recommends " + STACK_PACKAGES, 3600);
    cleanApt(rootfs);
    Commands.run(1800, "umoci", "repack", "--image", image + ":" + PYTHON_STACK,
        "--history.created_by", "apt-get install -y --no-install-recommends " + STACK_PACKAGES, stack.toString());
    Commands.run(60, "umoci", "config", "--image", image + ":" + PYTHON_STACK,
        "--config.cmd", "python3", "--config.cmd", "-c", "--config.cmd", STACK_IMPORT);
    for (String tag : List.of(MINBASE, PYTHON, PYTHON_APP)) {
      Commands.run(60, "umoci", "rm", "--image", image + ":" + tag);
    }
    Commands.run(300, "umoci", "gc", "--layout", image);
    Commands.run(600, "rm", "-rf", stack.toString());
    Files.writeString(work.resolve("READY"), "stack recipe " + STACK_RECIPE_VERSION + "\n");
    Files.move(work, done, StandardCopyOption.ATOMIC_MOVE);
  }

  private static void chrootApt(Path rootfs, String script, long timeoutSeconds) throws IOException {
    Path proc = rootfs.resolve("proc");
    Files.createDirectories(proc);
    // Name resolution inside the chroot uses the host's resolver configuration.
    Files.copy(Path.of("/etc/resolv.conf"), rootfs.resolve("etc/resolv.conf"), StandardCopyOption.REPLACE_EXISTING);
    Commands.run(60, "mount", "-t", "proc", "proc", proc.toString());
    try {
      Commands.run(timeoutSeconds, null, APT_ENV, List.of("chroot", rootfs.toString(), "/bin/sh", "-c", script));
    } finally {
      Commands.run(60, "umount", "-l", proc.toString());
    }
  }

  private static void cleanApt(Path rootfs) throws IOException {
    Commands.run(120, null, APT_ENV, List.of("chroot", rootfs.toString(), "apt-get", "clean"));
    Commands.run(120, null, null, List.of("sh", "-c",
        "rm -rf " + rootfs + "/var/lib/apt/lists/* " + rootfs + "/var/cache/apt/*.bin " + rootfs + "/var/log/apt/*"));
  }

}
