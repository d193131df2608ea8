package dev.lazypull.format;

import dev.lazypull.oci.Descriptor;
import dev.lazypull.oci.Digest;
import dev.lazypull.oci.MediaTypes;
import java.util.Map;

/**
 * The result of encoding one lazy layer: the blob's digest and size (for the layer descriptor),
 * the digest of the uncompressed tar (the config's diff_id, equal to the source layer's), where the
 * TOC lies, and counts for reports.
 */
public record EncodedLayer(
    Digest digest,
    long compressedSize,
    Digest diffId,
    long uncompressedSize,
    LazyAnnotations.TocPointer toc,
    int frameCount,
    int entryCount) {

  public static final String MEDIA_TYPE = MediaTypes.OCI_LAYER_ZSTD;

  /** The layer's descriptor for a manifest: tar+zstd, digest, size and the TOC annotations. */
  public Descriptor descriptor() {
    return new Descriptor(MEDIA_TYPE, digest, compressedSize, annotations(), null);
  }

  /** The annotations to put on this layer's descriptor. */
  public Map<String, String> annotations() {
    return toc.annotations();
  }
}
