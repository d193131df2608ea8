package dev.lazypull.benchmarks.pulltime.full;

import dev.lazypull.benchmarks.pulltime.Commands;
import dev.lazypull.oci.Descriptor;
import dev.lazypull.oci.MediaTypes;
import dev.lazypull.oci.OciJson;
import dev.lazypull.registry.ImageStore;
import dev.lazypull.registry.ManifestBytes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The baseline: a full pull the way containerd does it with its overlayfs snapshotter. All layers
 * are fetched in parallel into the content store; as each arrives it is unpacked, in layer order,
 * into its own snapshot directory (whiteouts converted for overlayfs); then the root file system
 * is an overlay mount of the snapshots. A snapshot already unpacked (a shared base layer) is
 * reused, a blob already in the content store is not fetched again, as containerd does.
 *
 * <p>Layout under the work directory: {@code content/HEX}, {@code snapshots/HEX/fs},
 * {@code containers/NAME/{rootfs,upper,work}}.
 */
public final class FullPull implements AutoCloseable {
  private final OverlayRootfs rootfs;
  private final long bytesFetched;

  private FullPull(OverlayRootfs rootfs, long bytesFetched) {
    this.rootfs = rootfs;
    this.bytesFetched = bytesFetched;
  }

  /**
   * Pulls the image {@code reference} (a tag or digest of a single-platform manifest) from
   * {@code store} and mounts the container's root file system.
   */
  public static FullPull pull(ImageStore store, String reference, Path workDir, String container)
      throws IOException, InterruptedException {
    ManifestBytes m = store.getManifest(reference);
    if (!MediaTypes.isManifest(m.mediaType())) {
      throw new IOException(store.name() + ":" + reference + " is " + m.mediaType() + ", not a single-platform image manifest");
    }
    return pull(store, OciJson.parseManifest(m.bytes(), m.mediaType()).layers(), workDir, container);
  }

  /** Pulls {@code layers} (bottom first) from {@code store} and mounts the container's root file system. */
  public static FullPull pull(ImageStore store, List<Descriptor> layers, Path workDir, String container)
      throws IOException, InterruptedException {
    ContentStore content = new ContentStore(workDir.resolve("content"));
    Path snapshots = Files.createDirectories(workDir.resolve("snapshots"));
    List<Path> unpacked = new ArrayList<>();
    try (ExecutorService fetchers = Executors.newVirtualThreadPerTaskExecutor()) {
      List<CompletableFuture<Path>> blobs = content.fetchAll(store, layers, fetchers);
      for (int i = 0; i < layers.size(); i++) {
        Path blob = await(blobs.get(i));
        unpacked.add(snapshot(blob, snapshots.resolve(layers.get(i).digest().hex())));
      }
    }
    Path dir = workDir.resolve("containers").resolve(container);
    OverlayRootfs rootfs = OverlayRootfs.mount(unpacked, dir.resolve("rootfs"), dir.resolve("rw"));
    return new FullPull(rootfs, content.bytesFetched());
  }

  /** Unpacks a layer into {@code dir/fs} unless a committed snapshot is there; returns {@code dir/fs}. */
  private static Path snapshot(Path blob, Path dir) throws IOException, InterruptedException {
    Path fs = dir.resolve("fs");
    if (Files.isDirectory(fs)) {
      return fs;
    }
    Path extracting = dir.resolveSibling(dir.getFileName() + ".extract");
    Commands.run("rm", "-rf", extracting.toString());
    LayerUnpacker.unpack(blob, extracting.resolve("fs"));
    Files.move(extracting, dir, StandardCopyOption.ATOMIC_MOVE);
    return fs;
  }

  private static Path await(CompletableFuture<Path> f) throws IOException, InterruptedException {
    try {
      return f.get();
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof java.io.UncheckedIOException u) {
        throw u.getCause();
      }
      throw new IOException(cause);
    }
  }

  /** The container's root file system (an overlay mount). */
  public Path rootfs() {
    return rootfs.path();
  }

  /** Bytes this pull fetched from the registry (layers already in the content store cost none). */
  public long bytesFetched() {
    return bytesFetched;
  }

  @Override
  public void close() throws IOException {
    rootfs.close();
  }
}
