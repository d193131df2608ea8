package dev.lazypull.builder.inspect;

import dev.lazypull.format.EntryType;
import dev.lazypull.format.IndexBudget;
import dev.lazypull.format.LazyAnnotations;
import dev.lazypull.format.toc.LayerToc;
import dev.lazypull.oci.Descriptor;
import dev.lazypull.oci.ImageIndex;
import dev.lazypull.oci.ImageManifest;
import dev.lazypull.oci.MediaTypes;
import dev.lazypull.oci.OciJson;
import dev.lazypull.oci.Platform;
import dev.lazypull.registry.ImageStore;
import dev.lazypull.registry.ManifestBytes;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reads what {@code inspect} reports: manifests and, for lazy layers, their TOCs (one range read
 * each, verified against the digest the manifest pins). Never downloads a layer.
 */
public final class ImageInspector {
  private final ImageStore store;

  public ImageInspector(ImageStore store) {
    this.store = store;
  }

  public InspectReport inspect(String displayName, String reference) throws IOException {
    ManifestBytes top = store.getManifest(reference);
    String mediaType = top.mediaType() == null || top.mediaType().isEmpty()
        ? OciJson.detectMediaType(top.bytes()) : top.mediaType();
    List<ImageReport> images = new ArrayList<>();
    if (MediaTypes.isIndex(mediaType)) {
      ImageIndex index = OciJson.parseIndex(top.bytes(), mediaType);
      for (Descriptor d : index.manifests()) {
        if (MediaTypes.isManifest(d.mediaType())) {
          ManifestBytes m = store.getManifest(d.digest().toString());
          images.add(image(OciJson.parseManifest(m.bytes(), d.mediaType()), m, d.platform()));
        }
      }
    } else {
      images.add(image(OciJson.parseManifest(top.bytes(), mediaType), top, null));
    }
    return new InspectReport(displayName, top.digest(), mediaType, images);
  }

  private ImageReport image(ImageManifest manifest, ManifestBytes bytes, Platform platform) throws IOException {
    List<LayerReport> layers = new ArrayList<>();
    for (Descriptor layer : manifest.layers()) {
      layers.add(layer(layer));
    }
    boolean lazy = LazyAnnotations.isLazyManifest(manifest.annotations()) && layers.stream().allMatch(LayerReport::lazy);
    return new ImageReport(platform, bytes.digest(), lazy, layers);
  }

  private LayerReport layer(Descriptor layer) throws IOException {
    Optional<LazyAnnotations.TocPointer> pointer;
    try {
      pointer = LazyAnnotations.tocPointer(layer.annotations());
    } catch (IllegalArgumentException e) {
      throw new IOException("layer " + layer.digest() + ": " + e.getMessage(), e);
    }
    if (pointer.isEmpty()) {
      return new LayerReport(layer.digest(), layer.mediaType(), layer.size(), false, -1, -1, -1, -1, -1);
    }
    LazyAnnotations.TocPointer p = pointer.get();
    IndexBudget budget = IndexBudget.of(IndexBudget.DEFAULT_MAX_BYTES);
    LayerToc.requirePlacement(layer, p, budget);
    byte[] frame = store.readBlobRange(layer.digest(), p.offset(), p.length());
    LayerToc toc = LayerToc.read(frame, layer, p, budget);
    int files = 0;
    for (int i = 0; i < toc.entryCount(); i++) {
      if (toc.type(i) == EntryType.FILE) {
        files++;
      }
    }
    int chunks = toc.frames().size();
    long uncompressed = toc.frames().uncompressedSize();
    return new LayerReport(layer.digest(), layer.mediaType(), layer.size(), true, toc.entryCount(), files, chunks,
        uncompressed, p.length());
  }
}
