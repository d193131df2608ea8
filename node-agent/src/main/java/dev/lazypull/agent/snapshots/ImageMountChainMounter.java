package dev.lazypull.agent.snapshots;

import dev.lazypull.format.LazyAnnotations;
import dev.lazypull.fuse.FuseMount;
import dev.lazypull.format.LazyAnnotations.TocPointer;
import dev.lazypull.format.toc.LayerToc;
import dev.lazypull.oci.Descriptor;
import dev.lazypull.oci.Digest;
import dev.lazypull.oci.ImageManifest;
import dev.lazypull.registry.ImageRef;
import dev.lazypull.registry.ImageRef.RegistryRef;
import dev.lazypull.registry.ImageStore;
import dev.lazypull.registry.ImageStores;
import dev.lazypull.registry.RegistryOptions;
import dev.lazypull.lazyfs.image.LazyImage;
import dev.lazypull.lazyfs.mount.ImageMount;
import dev.lazypull.lazyfs.mount.MountSettings;
import dev.lazypull.lazyfs.stats.ReadStats;
import dev.lazypull.lazyfs.cache.ChunkCache;
import dev.lazypull.format.IndexBudget;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A {@link LazyChainMounter} of its own: each chain an {@link ImageMount} with its own registry
 * connection, all over one chunk cache (the caller's, open as long as this is used). The agent's
 * mount registry replaces it where one runs.
 */
public final class ImageMountChainMounter implements LazyChainMounter {
  private final RegistryOptions registry;
  private final MountSettings settings;
  private final ChunkCache cache;

  public ImageMountChainMounter(RegistryOptions registry, MountSettings settings, ChunkCache cache) {
    this.registry = registry;
    this.settings = settings;
    this.cache = cache;
  }

  @Override
  public void check(LazyChain chain) throws IOException {
    RegistryRef ref = registryRef(chain);
    try (ImageStore store = ImageStores.open(ref, registry)) {
      ImageManifest manifest = LazyImage.manifest(store, ref.reference());
      List<Descriptor> layers = manifest.layers();
      int n = chain.layers().size();
      List<Digest> actual = layers.stream().map(Descriptor::digest).toList();
      if (n > actual.size() || !actual.subList(0, n).equals(chain.layers())) {
        throw new IOException("image " + ref + " has layers " + actual + ", which do not begin with " + chain.layers());
      }
      Descriptor top = layers.get(n - 1);
      TocPointer toc = LazyAnnotations.tocPointer(top.annotations())
          .orElseThrow(() -> new IOException("layer " + top.digest() + " of " + ref + " has no lazypull TOC"));
      IndexBudget budget = IndexBudget.of(settings.indexBytes());
      LayerToc.requirePlacement(top, toc, budget);
      LayerToc.read(store.readBlobRange(top.digest(), toc.offset(), toc.length()), top, toc, budget);
    }
  }

  @Override
  public Mounted mount(LazyChain chain, Path dir) throws IOException {
    RegistryRef ref = registryRef(chain);
    FuseMount.unmountStale(dir);
    ImageStore store = ImageStores.open(ref, registry);
    try {
      ImageMount mount = ImageMount.openLayers(store, ref.reference(), chain.layers(), dir, settings, cache, new ReadStats());
      return () -> {
        try {
          mount.close();
        } finally {
          store.close();
        }
      };
    } catch (IOException | RuntimeException e) {
      store.close();
      throw e;
    }
  }

  private static RegistryRef registryRef(LazyChain chain) throws IOException {
    try {
      if (ImageRef.parse(chain.imageRef()) instanceof RegistryRef r) {
        return r;
      }
    } catch (IllegalArgumentException e) {
      throw new IOException("bad image reference " + Names.abbreviate(chain.imageRef()) + ": " + e.getMessage(), e);
    }
    throw new IOException("image reference " + Names.abbreviate(chain.imageRef()) + " is not a registry reference");
  }
}
