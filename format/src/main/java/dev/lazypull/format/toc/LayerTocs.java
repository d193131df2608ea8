package dev.lazypull.format.toc;

import dev.lazypull.format.IndexBudget;
import dev.lazypull.format.LazyAnnotations.TocPointer;
import dev.lazypull.oci.BlobRangeSource;
import dev.lazypull.oci.Descriptor;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Fetches the tables of contents of a lazy image's layers: one Range request per layer, all at
 * once on virtual threads, so that reading an image's metadata costs one round trip whatever the
 * number of layers. Each TOC is verified against the digest its layer descriptor pins and checked
 * against its blob's size, and everything it takes is charged to the image's {@link IndexBudget}.
 */
public final class LayerTocs {

  /**
   * The TOC of every layer, in layer order; {@code pointers.get(i)} locates the TOC of {@code
   * layers.get(i)}. {@code alongside} runs in the same round (a config fetch, say) and its result
   * is returned with the TOCs, so callers need no second round trip. Where a pointer places its TOC
   * wrongly, or the TOCs' bytes alone pass {@code budget}, nothing is fetched.
   */
  public static <T> Fetched<T> fetch(BlobRangeSource blobs, List<Descriptor> layers, List<TocPointer> pointers,
      IndexBudget budget, Callable<T> alongside) throws IOException {
    if (layers.size() != pointers.size()) {
      throw new IllegalArgumentException(layers.size() + " layers but " + pointers.size() + " TOC pointers");
    }
    for (int i = 0; i < layers.size(); i++) {
      LayerToc.requirePlacement(layers.get(i), pointers.get(i), budget);
    }
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      Future<T> other = pool.submit(alongside);
      List<Future<LayerToc>> reads = new ArrayList<>(layers.size());
      for (int i = 0; i < layers.size(); i++) {
        Descriptor layer = layers.get(i);
        TocPointer p = pointers.get(i);
        reads.add(pool.submit(() -> LayerToc.read(blobs.read(layer.digest(), p.offset(), p.length()), layer, p, budget)));
      }
      List<LayerToc> tocs = new ArrayList<>(reads.size());
      for (Future<LayerToc> r : reads) {
        tocs.add(get(r));
      }
      return new Fetched<>(tocs, get(other));
    }
  }

  /** The TOCs of every layer, in layer order, and what ran alongside them. */
  public record Fetched<T>(List<LayerToc> tocs, T alongside) {}

  private static <T> T get(Future<T> f) throws IOException {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while fetching the image's tables of contents");
    } catch (ExecutionException e) {
      switch (e.getCause()) {
        case IOException io -> throw io;
        case RuntimeException re -> throw re;
        case Throwable other -> throw new IOException(other);
      }
    }
  }

  private LayerTocs() {}
}
