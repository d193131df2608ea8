package dev.lazypull.agent.mounts;

import dev.lazypull.agent.snapshots.LazyChain;
import dev.lazypull.agent.snapshots.LazyChainMounter;
import dev.lazypull.format.IndexBudget;
import dev.lazypull.format.LazyAnnotations;
import dev.lazypull.format.LazyAnnotations.TocPointer;
import dev.lazypull.format.toc.LayerToc;
import dev.lazypull.lazyfs.image.LazyImage;
import dev.lazypull.lazyfs.mount.MountSettings;
import dev.lazypull.oci.Descriptor;
import dev.lazypull.oci.ImageManifest;
import dev.lazypull.registry.ImageRef.RegistryRef;
import dev.lazypull.registry.ImageStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * containerd's lazy chains mounted by the agent's mount registry, so they share the node cache,
 * the registry connections and the counters ({@code list}, {@code stats}, metrics) with every
 * other mount. The handshake's checks and the top chain's mount share one opening of the image
 * ({@link HandshakeImages}).
 */
public final class RegistryChainMounter implements LazyChainMounter {
  private static final System.Logger LOG = System.getLogger(RegistryChainMounter.class.getName());
  private final MountRegistry mounts;
  private final RegistryConnections registries;
  private final MountSettings settings;
  private final HandshakeImages images;

  public RegistryChainMounter(MountRegistry mounts, RegistryConnections registries, MountSettings settings,
      HandshakeImages images) {
    this.mounts = mounts;
    this.registries = registries;
    this.settings = settings;
    this.images = images;
  }

  /**
   * Opens the whole image once (every TOC verified and merged), and checks the chain against it.
   * When the whole image does not open (a higher layer's TOC fails a check, say), the chain's own
   * top layer is checked alone: a layer may be lazy below one that is not.
   */
  @Override
  public void check(LazyChain chain) throws IOException {
    HandshakeImages.registryRef(chain.imageRef());
    HandshakeImages.Opened image;
    try {
      image = images.open(chain.imageRef());
    } catch (IOException | RuntimeException e) {
      LOG.log(System.Logger.Level.DEBUG, "image " + chain.imageRef() + " does not open whole (" + e.getMessage()
          + "): checking layer " + chain.top() + " alone");
      checkLayer(chain);
      return;
    }
    if (!image.beginsWith(chain.layers())) {
      images.forget(chain.imageRef()); // the tag moved since it was opened: open it again
      image = images.open(chain.imageRef());
      if (!image.beginsWith(chain.layers())) {
        throw new IOException("image " + chain.imageRef() + " has layers " + layers(image.image().manifest())
            + ", which do not begin with " + chain.layers());
      }
    }
  }

  /** The chain is the whole image the handshake opened: its mount takes that opening. */
  @Override
  public boolean isWholeImage(LazyChain chain) {
    return images.holdsChain(chain.imageRef(), chain.layers());
  }

  /**
   * A chain the agent kept across its restart is adopted as it is being taken back, without
   * waiting (containerd's overlay mounts over it wait in the kernel until it serves); any other is
   * mounted now, from the handshake's opening of the image when the chain is all of it.
   */
  @Override
  public Mounted mount(LazyChain chain, Path dir) throws IOException {
    Optional<CompletableFuture<MountRegistry.Mounted>> kept = mounts.keptChain(dir, chain.layers());
    if (kept.isPresent()) {
      return () -> {
        MountRegistry.Mounted m;
        try {
          m = kept.get().join();
        } catch (CompletionException | CancellationException e) {
          return; // it was not taken back: nothing is mounted
        }
        m.close();
      };
    }
    Optional<HandshakeImages.Opened> opened = images.take(chain.imageRef(), chain.layers());
    if (opened.isPresent()) {
      return mounts.mountOpened(chain.imageRef(), opened.get(), dir)::close;
    }
    return mounts.mountLayers(chain.imageRef(), chain.layers(), dir)::close;
  }

  /** The chain's top layer alone: the image's manifest begins with the chain, and the top TOC is there and verified. */
  private void checkLayer(LazyChain chain) throws IOException {
    RegistryRef ref = HandshakeImages.registryRef(chain.imageRef());
    try (ImageStore store = registries.open(ref, List.of())) {
      ImageManifest manifest = LazyImage.manifest(store, ref.reference());
      List<Descriptor> layers = manifest.layers();
      int n = chain.layers().size();
      if (n > layers.size() || !layers(manifest).subList(0, n).equals(chain.layers())) {
        throw new IOException("image " + ref + " has layers " + layers(manifest) + ", which do not begin with " + chain.layers());
      }
      Descriptor top = layers.get(n - 1);
      TocPointer toc = LazyAnnotations.tocPointer(top.annotations())
          .orElseThrow(() -> new IOException("layer " + top.digest() + " of " + ref + " has no lazypull TOC"));
      IndexBudget budget = IndexBudget.of(settings.indexBytes());
      LayerToc.requirePlacement(top, toc, budget);
      LayerToc.read(store.readBlobRange(top.digest(), toc.offset(), toc.length()), top, toc, budget);
    }
  }

  private static List<dev.lazypull.oci.Digest> layers(ImageManifest manifest) {
    return manifest.layers().stream().map(Descriptor::digest).toList();
  }
}
