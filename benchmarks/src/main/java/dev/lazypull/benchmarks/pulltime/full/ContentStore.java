package dev.lazypull.benchmarks.pulltime.full;

import dev.lazypull.oci.Descriptor;
import dev.lazypull.registry.ImageStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicLong;

/**
 * containerd's content store, reduced to what a pull needs: blobs by digest under one directory,
 * fetched all in parallel (one virtual thread per layer), each written to a temp file and renamed
 * when its digest has been verified by the stream, so a half-written blob is never seen.
 */
final class ContentStore {
  private final Path root;
  private final AtomicLong bytesFetched = new AtomicLong();

  ContentStore(Path root) throws IOException {
    this.root = Files.createDirectories(root);
  }

  Path path(Descriptor d) {
    return root.resolve(d.digest().hex());
  }

  long bytesFetched() {
    return bytesFetched.get();
  }

  /** Starts fetching every layer not stored yet; each future completes with the layer's file. */
  List<CompletableFuture<Path>> fetchAll(ImageStore store, List<Descriptor> layers, ExecutorService executor) {
    return layers.stream().map(d -> CompletableFuture.supplyAsync(() -> fetch(store, d), executor)).toList();
  }

  private Path fetch(ImageStore store, Descriptor d) {
    Path target = path(d);
    if (Files.exists(target)) {
      return target;
    }
    try {
      Path tmp = Files.createTempFile(root, "ingest-", ".tmp");
      try (InputStream in = store.openBlob(d.digest())) {
        bytesFetched.addAndGet(Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING));
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      } finally {
        Files.deleteIfExists(tmp);
      }
      return target;
    } catch (IOException e) {
      throw new UncheckedIOException("fetching layer " + d.digest() + " from " + store.name(), e);
    }
  }
}
