package dev.lazypull.agent.mounts;

import dev.lazypull.format.IndexBudget;
import dev.lazypull.lazyfs.image.LazyImage;
import dev.lazypull.lazyfs.mount.MountSettings;
import dev.lazypull.oci.Descriptor;
import dev.lazypull.oci.Digest;
import dev.lazypull.registry.ImageRef;
import dev.lazypull.registry.ImageStore;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The images containerd is pulling through the remote-snapshot handshake, each opened once: the
 * manifest, the config and every layer's TOC in one parallel round, verified and merged, as a
 * mount opens them. containerd asks about an image layer by layer (a Prepare each) and then mounts
 * its top chain for a container; with this, every layer's check after the first needs no request,
 * and the top chain's mount neither fetches nor decodes anything again (decision 0016).
 *
 * <p>An opened image holds its index memory (charged to the node's bound) until a mount takes it
 * or {@link #KEEP} has passed since it was opened, whichever comes first; a tag that moved meanwhile
 * is caught by the layer digests, which every use compares.
 */
public final class HandshakeImages implements AutoCloseable {
  /** How long an image nobody mounts keeps its index: a pull's handshake and the first run. */
  static final Duration KEEP = Duration.ofMinutes(2);

  /** An opened image and the budget its index is charged to: whoever takes it releases the budget (an unmount does). */
  public record Opened(LazyImage image, IndexBudget budget) {
    /** Whether the image's lowest layers are {@code layers}, in order. */
    public boolean beginsWith(List<Digest> layers) {
      List<Digest> actual = image.manifest().layers().stream().map(Descriptor::digest).toList();
      return layers.size() <= actual.size() && actual.subList(0, layers.size()).equals(layers);
    }

    /** Whether the image's layers are exactly {@code layers}: its merged index is that chain's. */
    public boolean isChain(List<Digest> layers) {
      return image.manifest().layers().size() == layers.size() && beginsWith(layers);
    }
  }

  private final RegistryConnections registries;
  private final MountSettings settings;
  private final java.nio.file.Path copies;
  private final Map<String, CompletableFuture<Opened>> images = new ConcurrentHashMap<>();

  /**
   * Images open through {@code registries}, with {@code settings}' index bounds, keeping a copy of
   * what they read under {@code copies} (the mount registry's: a restarted agent rebuilds the
   * index of a chain mounted from it from there).
   */
  public HandshakeImages(RegistryConnections registries, MountSettings settings, java.nio.file.Path copies) {
    this.registries = registries;
    this.settings = settings;
    this.copies = copies;
  }

  /**
   * The whole image {@code ref} names, opened now or by an earlier call within {@link #KEEP}
   * (concurrent callers share one opening). A failure is not kept: the next call tries again.
   */
  public Opened open(String ref) throws IOException {
    CompletableFuture<Opened> mine = new CompletableFuture<>();
    CompletableFuture<Opened> f = images.putIfAbsent(ref, mine);
    if (f == null) {
      f = mine;
      try {
        mine.complete(openNow(ref));
      } catch (IOException | RuntimeException e) {
        images.remove(ref, mine);
        mine.completeExceptionally(e);
        throw e;
      }
      CompletableFuture.delayedExecutor(KEEP.toMillis(), TimeUnit.MILLISECONDS).execute(() -> forget(ref, mine));
    }
    return join(f);
  }

  /**
   * Takes the opened image of {@code ref} when its layers are exactly {@code layers}: the caller
   * mounts it and its budget goes with the mount. Empty when there is none (never opened, expired,
   * taken, or a different chain).
   */
  public Optional<Opened> take(String ref, List<Digest> layers) {
    CompletableFuture<Opened> f = images.get(ref);
    if (f == null || !f.isDone() || f.isCompletedExceptionally() || !f.join().isChain(layers) || !images.remove(ref, f)) {
      return Optional.empty();
    }
    return Optional.of(f.join());
  }

  /** Whether the opened image of {@code ref} (opened, not taken, not expired) has exactly {@code layers}. */
  public boolean holdsChain(String ref, List<Digest> layers) {
    CompletableFuture<Opened> f = images.get(ref);
    return f != null && f.isDone() && !f.isCompletedExceptionally() && f.join().isChain(layers);
  }

  /** Drops the opened image of {@code ref} (its tag moved, say), giving its index memory back. */
  public void forget(String ref) {
    CompletableFuture<Opened> f = images.get(ref);
    if (f != null) {
      forget(ref, f);
    }
  }

  private void forget(String ref, CompletableFuture<Opened> f) {
    if (images.remove(ref, f) && f.isDone() && !f.isCompletedExceptionally()) {
      f.join().budget().release();
    }
  }

  private Opened openNow(String ref) throws IOException {
    ImageRef.RegistryRef parsed = registryRef(ref);
    IndexBudget budget = settings.newIndexBudget();
    try (ImageStore store = registries.open(parsed, List.of())) {
      return new Opened(LazyImage.open(store, parsed.reference(), budget, copies), budget); // releases the budget when it throws
    }
  }

  /**
   * {@code ref} as a registry reference: what containerd's labels name is checked before use, and
   * a layout directory ({@code oci:DIR}) is never opened on a gRPC request's word.
   */
  static ImageRef.RegistryRef registryRef(String ref) throws IOException {
    try {
      if (ImageRef.parse(ref) instanceof ImageRef.RegistryRef r) {
        return r;
      }
    } catch (IllegalArgumentException e) {
      throw new IOException("bad image reference " + abbreviate(ref) + ": " + e.getMessage(), e);
    }
    throw new IOException("image reference " + abbreviate(ref) + " is not a registry reference");
  }

  private static String abbreviate(String s) {
    return dev.lazypull.agent.snapshots.Names.abbreviate(s);
  }

  private static Opened join(CompletableFuture<Opened> f) throws IOException {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while opening an image for containerd");
    } catch (ExecutionException e) {
      switch (e.getCause()) {
        case IOException io -> throw io;
        case RuntimeException re -> throw re;
        case Throwable other -> throw new IOException(other);
      }
    }
  }

  /** Gives back the index memory of every image no mount took. */
  @Override
  public void close() {
    for (String ref : List.copyOf(images.keySet())) {
      forget(ref);
    }
  }
}
