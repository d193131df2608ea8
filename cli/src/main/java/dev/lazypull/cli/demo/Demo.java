package dev.lazypull.cli.demo;

import dev.lazypull.builder.image.ConversionResult;
import dev.lazypull.builder.image.ConvertOptions;
import dev.lazypull.builder.image.ImageConverter;
import dev.lazypull.builder.progress.Progress;
import dev.lazypull.cli.progress.ConsoleProgress;
import dev.lazypull.cli.Main;
import dev.lazypull.format.LazyAnnotations;
import dev.lazypull.oci.Descriptor;
import dev.lazypull.oci.ImageManifest;
import dev.lazypull.oci.OciJson;
import dev.lazypull.registry.ManifestBytes;
import dev.lazypull.registry.layout.OciLayoutStore;
import dev.lazypull.agent.control.ControlRequest;
import dev.lazypull.cli.agent.AgentClient;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The steps of {@code lazypull demo}. Layout of the cache directory: {@code source/} (the JDK
 * image, OCI layout), {@code lazy/} (its conversion), {@code agent/} (the root of the demo's own
 * node agent, whose chunk cache is emptied before each mount so the figures show a cold start),
 * {@code run/} (that agent's sockets; it starts with the mount and stops with it), {@code mnt/}
 * (the mount point).
 */
public final class Demo {
  private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

  /** A failure the user can act on; the message says what to do. */
  public static final class DemoException extends Exception {
    DemoException(String message, Throwable cause) {
      super(message, cause);
    }

    DemoException(String message) {
      super(message);
    }
  }

  private Demo() {}

  public static void run(Path cacheDir, Path javaHome, PrintWriter out, PrintWriter err) throws DemoException {
    requireFuse();
    int feature = jdkFeature(javaHome);
    if (feature < 25) {
      throw new DemoException(javaHome + " holds JDK " + feature + "; the demo needs JDK 25 or newer. Pass --java-home DIR "
          + "or install Temurin 25 (apt package temurin-25-jdk).");
    }
    String tag = "jdk-" + feature + "-" + Integer.toHexString(javaHome.toString().hashCode());
    try {
      Path sourceDir = cacheDir.resolve("source");
      Path lazyDir = cacheDir.resolve("lazy");
      Path agentRoot = cacheDir.resolve("agent");
      Path runDir = cacheDir.resolve("run");
      out.println("lazypull demo: a lazy image of the JDK at " + javaHome + " (cache " + cacheDir + ")");

      long t0 = System.nanoTime();
      Descriptor manifest;
      try (OciLayoutStore source = OciLayoutStore.openOrCreate(sourceDir)) {
        manifest = JdkImage.ensure(javaHome, source, tag);
      }
      out.printf(Locale.ROOT, "  image         oci:%s:%s ready in %.1f s%n", sourceDir, tag, seconds(t0));
      long imageBytes = compressedSize(sourceDir, tag);

      t0 = System.nanoTime();
      convertOnce(sourceDir, lazyDir, tag, manifest, ConsoleProgress.on(err));
      out.printf(Locale.ROOT, "  lazy image    oci:%s:%s ready in %.1f s%n", lazyDir, tag, seconds(t0));
      long indexBytes = tocBytes(lazyDir, tag);

      Path mnt = cacheDir.resolve("mnt");
      freshMountPoint(mnt, runDir);
      // The demo's agent stops with its mount, so nothing else reads this cache now.
      deleteTree(agentRoot.resolve("cache"));

      t0 = System.nanoTime();
      int rc = Main.commandLine().execute("mount", "oci:" + lazyDir + ":" + tag, mnt.toString(),
          "--run-dir", runDir.toString(), "--root", agentRoot.toString());
      if (rc != 0) {
        throw new DemoException("lazypull mount failed (exit " + rc + "); see its message above");
      }
      double mountSeconds = seconds(t0);
      try {
        t0 = System.nanoTime();
        String version = runJava(mnt);
        double runSeconds = seconds(t0);
        Map<String, Long> stats = stats(mnt, runDir);
        long fetched = stats.getOrDefault("bytesFetched", -1L);
        out.println();
        out.println("  $ " + mnt.resolve("bin/java") + " -version");
        version.lines().forEach(l -> out.println("  | " + l));
        out.println();
        out.printf(Locale.ROOT, "  image size       %s compressed (one tar+gzip layer)%n", size(imageBytes));
        out.printf(Locale.ROOT, "  index size       %s (TOC of the lazy layer)%n", size(indexBytes));
        out.printf(Locale.ROOT, "  mount time       %.2f s%n", mountSeconds);
        out.printf(Locale.ROOT, "  time to run      %.2f s (bin/java -version from the mount, cold chunk cache)%n", runSeconds);
        out.printf(Locale.ROOT, "  bytes fetched    %s of %s (%.1f%%) in %d range requests%n",
            size(fetched), size(imageBytes), 100.0 * fetched / Math.max(1, imageBytes), stats.getOrDefault("rangeRequests", -1L));
      } finally {
        int u = Main.commandLine().execute("umount", mnt.toString(), "--run-dir", runDir.toString());
        if (u != 0) {
          out.println("  warning: lazypull umount " + mnt + " exited " + u);
        }
      }
      out.println("  unmounted " + mnt + "; images and chunk cache stay in " + cacheDir + " (delete it to start over)");
      out.flush();
    } catch (IOException e) {
      throw new DemoException(e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DemoException("interrupted", e);
    }
  }

  private static void requireFuse() throws DemoException {
    if (!Files.exists(Path.of("/dev/fuse"))) {
      throw new DemoException("FUSE is missing: /dev/fuse does not exist. Install fuse3 (apt-get install fuse3) and load "
          + "the module (modprobe fuse); in a container, pass --device /dev/fuse --cap-add SYS_ADMIN.");
    }
  }

  /** The feature version of the JDK at {@code home}, from its {@code release} file. */
  static int jdkFeature(Path home) throws DemoException {
    Path release = home.resolve("release");
    if (!Files.isExecutable(home.resolve("bin/java")) || !Files.isRegularFile(release)) {
      throw new DemoException(home + " is not a JDK home (no bin/java or release file). Pass --java-home DIR of a JDK 25.");
    }
    try {
      for (String line : Files.readAllLines(release, StandardCharsets.UTF_8)) {
        if (line.startsWith("JAVA_VERSION=")) {
          String v = line.substring("JAVA_VERSION=".length()).replace("\"", "");
          String first = v.split("[.+-]")[0];
          return Integer.parseInt(first.equals("1") ? v.split("\\.")[1] : first);
        }
      }
    } catch (IOException | RuntimeException e) {
      throw new DemoException("cannot read the JDK version from " + release + ": " + e.getMessage(), e);
    }
    throw new DemoException(release + " names no JAVA_VERSION");
  }

  /** Converts the source tag unless the lazy layout already holds its conversion (marker file: the source digest). */
  private static void convertOnce(Path sourceDir, Path lazyDir, String tag, Descriptor source, Progress progress) throws IOException, InterruptedException {
    Files.createDirectories(lazyDir);
    Path marker = lazyDir.resolve("converted-" + tag);
    if (Files.exists(marker) && Files.readString(marker).strip().equals(source.digest().toString())) {
      return;
    }
    Path work = Files.createTempDirectory(lazyDir, "convert-");
    try (OciLayoutStore src = OciLayoutStore.open(sourceDir);
        OciLayoutStore dst = OciLayoutStore.openOrCreate(lazyDir)) {
      ConversionResult r = new ImageConverter(src, dst, ConvertOptions.defaults().withWorkDir(work), progress).convert(tag, tag);
      Files.writeString(marker, source.digest() + "\n");
      if (r.images().isEmpty()) {
        throw new IOException("conversion produced no image");
      }
    } finally {
      deleteTree(work);
    }
  }

  private static ImageManifest manifest(Path layoutDir, String tag) throws IOException {
    try (OciLayoutStore store = OciLayoutStore.open(layoutDir)) {
      ManifestBytes m = store.getManifest(tag);
      return OciJson.parseManifest(m.bytes(), m.mediaType());
    }
  }

  private static long compressedSize(Path layoutDir, String tag) throws IOException {
    return manifest(layoutDir, tag).layers().stream().mapToLong(Descriptor::size).sum();
  }

  /** The bytes a node fetches to mount: the TOCs the lazy layers' annotations point to. */
  private static long tocBytes(Path layoutDir, String tag) throws IOException {
    long total = 0;
    for (Descriptor layer : manifest(layoutDir, tag).layers()) {
      total += LazyAnnotations.tocPointer(layer.annotations()).map(LazyAnnotations.TocPointer::length).orElse(0);
    }
    return total;
  }

  private static void freshMountPoint(Path mnt, Path runDir) throws IOException, InterruptedException, DemoException {
    if (Files.isDirectory(mnt)) {
      // A demo that was killed may have left its mount behind.
      if (isMountPoint(mnt)) {
        Main.commandLine().execute("umount", mnt.toString(), "--run-dir", runDir.toString());
      }
      try (var entries = Files.list(mnt)) {
        if (entries.findAny().isPresent()) {
          throw new DemoException(mnt + " is not empty and not a mount; remove it and run the demo again");
        }
      }
    }
    Files.createDirectories(mnt);
  }

  private static boolean isMountPoint(Path dir) throws IOException {
    return dev.lazypull.fuse.FuseMount.isMountPoint(dir);
  }

  private static String runJava(Path mnt) throws IOException, InterruptedException, DemoException {
    Process p = new ProcessBuilder(List.of(mnt.resolve("bin/java").toString(), "-version")).redirectErrorStream(true).start();
    byte[] output = p.getInputStream().readAllBytes();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new DemoException("bin/java -version from the mount did not finish in 60 s");
    }
    String text = new String(output, StandardCharsets.UTF_8);
    if (p.exitValue() != 0) {
      throw new DemoException("bin/java -version from the mount exited " + p.exitValue() + ": " + text.strip());
    }
    return text;
  }

  private static Map<String, Long> stats(Path mnt, Path runDir) throws IOException {
    var json = AgentClient.request(runDir, new ControlRequest.Stats(mnt.toAbsolutePath().normalize()));
    return JSON.convertValue(json, new com.fasterxml.jackson.core.type.TypeReference<Map<String, Long>>() {});
  }

  private static double seconds(long t0) {
    return (System.nanoTime() - t0) / 1e9;
  }

  static String size(long bytes) {
    if (bytes < 0) {
      return "?";
    }
    if (bytes < 1 << 20) {
      return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
    }
    return String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024));
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
