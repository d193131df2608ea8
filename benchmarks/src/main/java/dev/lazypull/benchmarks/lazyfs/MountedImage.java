package dev.lazypull.benchmarks.lazyfs;

import dev.lazypull.benchmarks.pulltime.BenchImage;
import dev.lazypull.benchmarks.pulltime.BenchImages;
import dev.lazypull.benchmarks.pulltime.Testbed;
import dev.lazypull.builder.image.ConvertOptions;
import dev.lazypull.builder.image.ImageConverter;
import dev.lazypull.builder.progress.Progress;
import dev.lazypull.registry.ImageStore;
import dev.lazypull.registry.ImageStores;
import dev.lazypull.registry.RegistryOptions;
import dev.lazypull.registry.layout.OciLayoutStore;
import dev.lazypull.lazyfs.fetch.FetchOptions;
import dev.lazypull.lazyfs.mount.ImageMount;
import dev.lazypull.lazyfs.mount.MountSettings;
import dev.lazypull.testkit.images.DebianImages;
import dev.lazypull.testkit.registry.RegistryServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The Debian python3 + numpy test image converted into a registry of the benchmark's own on
 * loopback, ready to mount: the setup the snapshotter benchmarks share.
 */
final class MountedImage implements AutoCloseable {
  static final String TAG = "python";
  /** The same image converted with {@code --record "python3 -c 'import numpy'"} (only by {@link #startRecorded}). */
  static final String RECORDED_TAG = "python-recorded";
  /** The big stack image converted without a list (only by {@link #startStack}). */
  static final String STACK_TAG = "stack";
  /** The big stack image converted with its start-up recorded (only by {@link #startStack}). */
  static final String STACK_RECORDED_TAG = "stack-recorded";

  final RegistryServer registry;
  final ImageStore store;
  final Path work;

  private MountedImage(RegistryServer registry, ImageStore store, Path work) {
    this.registry = registry;
    this.store = store;
    this.work = work;
  }

  static MountedImage start() throws IOException {
    DebianImages images = DebianImages.get();
    Path work = Files.createTempDirectory("lazypull-bench-snapshotter");
    RegistryServer registry = RegistryServer.builder().start();
    ImageStore store = ImageStores.open(registry.reference("bench/debian:" + TAG), RegistryOptions.defaults());
    try (OciLayoutStore source = OciLayoutStore.open(images.layout())) {
      new ImageConverter(source, store, ConvertOptions.defaults().withWorkDir(Files.createDirectories(work.resolve("convert"))),
          Progress.silent()).convert(DebianImages.PYTHON, TAG);
    }
    return new MountedImage(registry, store, work);
  }

  /** {@link #start()}, plus the image converted once more with its {@code import numpy} start-up recorded. */
  static MountedImage startRecorded() throws IOException {
    MountedImage m = start();
    try (OciLayoutStore source = OciLayoutStore.open(DebianImages.get().layout())) {
      new ImageConverter(source, m.store, ConvertOptions.defaults().withWorkDir(m.work.resolve("convert")), Progress.silent(),
          new dev.lazypull.recorder.RecordStep(java.util.List.of("python3 -c 'import numpy'"),
              dev.lazypull.recorder.RecordStep.DEFAULT_TIMEOUT, line -> {}))
          .convert(DebianImages.PYTHON, RECORDED_TAG);
    }
    return m;
  }

  /**
   * The big stack image (python3 with scipy, pandas, matplotlib and more, 1.4 GB uncompressed)
   * without and with its {@code import scipy, pandas, matplotlib} start-up recorded, as tags
   * {@link #STACK_TAG} and {@link #STACK_RECORDED_TAG}: the pull-time harness's cached conversions
   * (converting 1.4 GB twice per trial would dominate the run), pushed as they are.
   */
  static MountedImage startStack() throws IOException {
    BenchImage plain = BenchImages.prepare(BenchImages.STACK_PLAIN);
    BenchImage recorded = BenchImages.prepare(BenchImages.STACK);
    Path work = Files.createTempDirectory("lazypull-bench-snapshotter");
    RegistryServer registry = RegistryServer.builder().start();
    try {
      Testbed.push(plain.lazyLayoutRef(), registry.reference("bench/debian:" + STACK_TAG));
      Testbed.push(recorded.lazyLayoutRef(), registry.reference("bench/debian:" + STACK_RECORDED_TAG));
      ImageStore store = ImageStores.open(registry.reference("bench/debian:" + STACK_TAG), RegistryOptions.defaults());
      return new MountedImage(registry, store, work);
    } catch (IOException | RuntimeException e) {
      registry.close();
      throw e;
    } catch (InterruptedException e) {
      registry.close();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted pushing the stack image", e);
    }
  }

  /** Mounts the image at a new directory with the chunk cache in {@code cacheDir}. */
  ImageMount mount(String name, Path cacheDir) throws IOException {
    return mount(store, name, cacheDir, MountSettings.defaults(cacheDir).fetch());
  }

  /** Mounts the image read through {@code from} (this registry, perhaps behind a link) with {@code fetch} options. */
  ImageMount mount(ImageStore from, String name, Path cacheDir, FetchOptions fetch) throws IOException {
    return mount(from, TAG, name, cacheDir, fetch, false);
  }

  /**
   * Mounts image {@code tag} read through {@code from} with {@code fetch} options, with the
   * background fetch only when {@code background} (measurements of a start-up leave it off, so
   * nothing competes with the start-up).
   */
  ImageMount mount(ImageStore from, String tag, String name, Path cacheDir, FetchOptions fetch, boolean background)
      throws IOException {
    Path dir = Files.createDirectories(work.resolve(name));
    return ImageMount.open(from, tag, dir, MountSettings.defaults(cacheDir).withFetch(fetch)
        .withPrefetch(dev.lazypull.lazyfs.prefetch.PrefetchSettings.defaults().withBackground(background)));
  }

  static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> files = Files.walk(root)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  @Override
  public void close() throws IOException {
    store.close();
    registry.close();
    deleteTree(work);
  }
}
