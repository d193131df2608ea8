package dev.lazypull.lazyfs.image;

import dev.lazypull.format.IndexBudget;
import dev.lazypull.format.LazyAnnotations.TocPointer;
import dev.lazypull.format.LazyAnnotations;
import dev.lazypull.format.merge.MergedIndex;
import dev.lazypull.format.toc.LayerTocs;
import dev.lazypull.oci.BlobRangeSource;
import dev.lazypull.oci.Descriptor;
import dev.lazypull.oci.Digest;
import dev.lazypull.oci.ImageIndex;
import dev.lazypull.oci.ImageManifest;
import dev.lazypull.oci.MediaTypes;
import dev.lazypull.oci.OciJson;
import dev.lazypull.oci.Platform;
import dev.lazypull.registry.ImageStore;
import dev.lazypull.registry.ManifestBytes;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A lazy image ready to mount: its manifest, config and merged index. Opening it costs the
 * manifest (two requests when the reference names an index) and then one parallel round of
 * requests: the config and every layer's TOC, each a Range request of the layer blob. Nothing
 * else is read, so opening does not grow with the image's data, only with its metadata.
 */
public record LazyImage(String reference, ManifestBytes manifestBytes, ImageManifest manifest, byte[] config, MergedIndex index) {

  /** Largest config blob accepted (real configs are a few KiB; history can make them larger). */
  private static final int MAX_CONFIG_BYTES = 8 << 20;

  /**
   * Opens {@code reference} (tag or digest) of {@code store}, for this machine's platform when it
   * names an index. Throws {@link NotLazyImageException} when a layer has no TOC, the registry's
   * error when something cannot be fetched, and {@code FormatException} naming the layer and the
   * check when a TOC does not match the digest its manifest pins, does not fit its blob, or would
   * take the index past {@code budget} ({@code IndexTooLargeException}). Nothing is kept then.
   */
  public static LazyImage open(ImageStore store, String reference, IndexBudget budget) throws IOException {
    return open(store, reference, null, budget, null);
  }

  /**
   * As {@link #open(ImageStore, String, IndexBudget)}, and keeps an {@link ImageCopy} of what it
   * read (manifest, config, TOC ranges) under {@code copies} when that is not null, so that
   * {@link #restore} can rebuild the same index later without the registry.
   */
  public static LazyImage open(ImageStore store, String reference, IndexBudget budget, Path copies) throws IOException {
    return open(store, reference, null, budget, copies);
  }

  /** {@link #restore(Path, Digest, String, int, IndexBudget)} of every layer. */
  public static LazyImage restore(Path copies, Digest digest, String reference, IndexBudget budget) throws IOException {
    return restore(copies, digest, reference, -1, budget);
  }

  /**
   * Rebuilds the image of manifest {@code digest}, its lowest {@code layerCount} layers (-1: all), from its
   * {@link ImageCopy} under {@code copies}, without the network, verifying every part as
   * {@link #open} does (the same TOCs make the same index: the same inode numbers).
   */
  public static LazyImage restore(Path copies, Digest digest, String reference, int layerCount, IndexBudget budget)
      throws IOException {
    ImageCopy copy = ImageCopy.open(copies, digest);
    ManifestBytes mb = copy.manifest();
    ImageManifest manifest = OciJson.parseManifest(mb.bytes(), mb.mediaType());
    if (layerCount == -1) {
      layerCount = manifest.layers().size();
    }
    if (layerCount < 1 || layerCount > manifest.layers().size()) {
      throw new IllegalArgumentException(copy.source() + " has " + manifest.layers().size() + " layers, not " + layerCount);
    }
    return build(copy.source(), reference, mb, manifest, manifest.layers().subList(0, layerCount), copy,
        () -> copy.config(manifest.config().digest()), budget);
  }

  /**
   * Opens the lowest {@code layers.size()} layers of {@code reference} as {@link #open} does: the
   * merged tree of just those layers, what a containerd snapshot of an intermediate chain shows.
   * Throws {@link NotLazyImageException} unless the image's lowest layers are exactly {@code
   * layers}, in order.
   */
  public static LazyImage openLayers(ImageStore store, String reference, List<Digest> layers, IndexBudget budget)
      throws IOException {
    return openLayers(store, reference, layers, budget, null);
  }

  /**
   * As {@link #openLayers(ImageStore, String, List, IndexBudget)}, keeping an {@link ImageCopy}
   * under {@code copies} (when not null) for {@link #restore(Path, Digest, String, int, IndexBudget)}.
   */
  public static LazyImage openLayers(ImageStore store, String reference, List<Digest> layers, IndexBudget budget,
      Path copies) throws IOException {
    if (layers.isEmpty()) {
      throw new IllegalArgumentException("no layers to open of " + describe(store, reference));
    }
    return open(store, reference, layers, budget, copies);
  }

  /**
   * The manifest {@code reference} names, for this machine's platform when it names an index:
   * what a remote snapshotter checks a layer against before it mounts anything.
   */
  public static ImageManifest manifest(ImageStore store, String reference) throws IOException {
    ManifestBytes mb = platformManifest(store, reference);
    return OciJson.parseManifest(mb.bytes(), mb.mediaType());
  }

  private static ManifestBytes platformManifest(ImageStore store, String reference) throws IOException {
    ManifestBytes mb = store.getManifest(reference);
    if (MediaTypes.isIndex(mb.mediaType())) {
      ImageIndex index = OciJson.parseIndex(mb.bytes(), mb.mediaType());
      Platform platform = Platform.current();
      Descriptor chosen = index.select(platform).orElseThrow(() -> new IOException(
          "image " + describe(store, reference) + " has no manifest for " + platform.os() + "/" + platform.architecture()));
      mb = store.getManifest(chosen.digest().toString());
    }
    return mb;
  }

  private static LazyImage open(ImageStore store, String reference, List<Digest> lowest, IndexBudget budget, Path copies)
      throws IOException {
    ManifestBytes mb = platformManifest(store, reference);
    ImageManifest manifest = OciJson.parseManifest(mb.bytes(), mb.mediaType());
    List<Descriptor> layers = manifest.layers();
    if (lowest != null) {
      List<Digest> actual = layers.stream().map(Descriptor::digest).toList();
      if (lowest.size() > actual.size() || !actual.subList(0, lowest.size()).equals(lowest)) {
        throw new NotLazyImageException("image " + describe(store, reference) + " has layers " + actual
            + ", which do not begin with " + lowest);
      }
      layers = layers.subList(0, lowest.size());
    }
    String name = describe(store, reference);
    if (copies == null) {
      return build(name, reference, mb, manifest, layers, store, () -> readConfig(store, manifest.config()), budget);
    }
    try (ImageCopy.Writer copy = ImageCopy.writer(copies)) {
      LazyImage image = build(name, reference, mb, manifest, layers, copy.recording(store),
          () -> copy.config(readConfig(store, manifest.config())), budget);
      copy.commit(mb, name);
      return image;
    }
  }

  private static LazyImage build(String name, String reference, ManifestBytes mb, ImageManifest manifest,
      List<Descriptor> layers, BlobRangeSource tocSource, Callable<byte[]> config, IndexBudget budget) throws IOException {
    List<TocPointer> pointers = tocPointers(name, layers);
    try {
      LayerTocs.Fetched<byte[]> fetched = LayerTocs.fetch(tocSource, layers, pointers, budget, config);
      return new LazyImage(reference, mb, manifest, fetched.alongside(), MergedIndex.of(fetched.tocs(), budget));
    } catch (IOException | RuntimeException e) {
      budget.release(); // a budget shared between images gets back what this one took
      throw e;
    }
  }

  private static List<TocPointer> tocPointers(String name, List<Descriptor> layers)
      throws NotLazyImageException {
    List<TocPointer> pointers = new ArrayList<>();
    for (int i = 0; i < layers.size(); i++) {
      Descriptor layer = layers.get(i);
      Optional<TocPointer> p;
      try {
        p = LazyAnnotations.tocPointer(layer.annotations());
      } catch (IllegalArgumentException e) {
        throw new NotLazyImageException("image " + name + ": layer " + i + " (" + layer.digest()
            + ") has malformed lazypull annotations: " + e.getMessage());
      }
      if (p.isEmpty()) {
        throw new NotLazyImageException("image " + name + " is not a lazy image: layer " + i + " ("
            + layer.digest() + ", " + layer.mediaType() + ") has no lazypull index. Convert it first: "
            + "lazypull convert " + name + " DESTINATION");
      }
      pointers.add(p.get());
    }
    return pointers;
  }

  private static byte[] readConfig(ImageStore store, Descriptor config) throws IOException {
    if (config.size() > MAX_CONFIG_BYTES) {
      throw new IOException("image config " + config.digest() + " is " + config.size() + " bytes, over the limit of "
          + MAX_CONFIG_BYTES);
    }
    try (InputStream in = store.openBlob(config.digest())) {
      return in.readAllBytes(); // the store verifies the digest at end of stream
    }
  }

  private static String describe(ImageStore store, String reference) {
    String name = store.name();
    return reference == null ? name : reference.startsWith("sha256:") ? name + "@" + reference : name + ":" + reference;
  }

  /** The layer blobs' descriptors the index merges, lowest first (the index's layer numbers). */
  public List<Descriptor> layers() {
    return manifest.layers().subList(0, index.layerCount());
  }
}
