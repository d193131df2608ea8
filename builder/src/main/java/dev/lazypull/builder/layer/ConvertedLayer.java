package dev.lazypull.builder.layer;

import dev.lazypull.format.EncodedLayer;
import dev.lazypull.format.LazyAnnotations;
import dev.lazypull.oci.Descriptor;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One source layer re-encoded as a lazy layer, its blob in a temporary file until it is pushed.
 *
 * @param source the source layer's descriptor
 * @param encoded digests, sizes and TOC location of the lazy layer
 * @param blob the lazy layer blob on local disk
 * @param entries tar entries in the layer
 * @param files regular files among them (whiteouts not counted)
 * @param sourceBytes compressed bytes read from the source
 * @param elapsedNanos wall time of the conversion
 */
public record ConvertedLayer(
    Descriptor source, EncodedLayer encoded, Path blob, int entries, int files, long sourceBytes, long elapsedNanos) {

  /**
   * The lazy layer's descriptor: zstd media type, new digest and size, the source's own annotations
   * (minus any stale lazy ones) and the TOC pointer, and its other fields that describe the role
   * rather than the bytes ({@link Descriptor#withContent}).
   */
  public Descriptor descriptor() {
    Map<String, String> annotations = new LinkedHashMap<>();
    source.annotations().forEach((k, v) -> {
      // Stale lazy annotations go, also their copies under containerd's snapshot-label prefix, so
      // that converting a lazy image again gives the same image (same keys in the same order).
      String key = k.startsWith(LazyAnnotations.SNAPSHOT_LABEL_PREFIX) ? k.substring(LazyAnnotations.SNAPSHOT_LABEL_PREFIX.length()) : k;
      if (!key.startsWith("dev.lazypull.")) {
        annotations.put(k, v);
      }
    });
    annotations.putAll(encoded.annotations());
    return source.withContent(EncodedLayer.MEDIA_TYPE, encoded.digest(), encoded.compressedSize()).withAnnotations(annotations);
  }

  /** Uncompressed input MB/s (10^6 bytes), the conversion throughput figure. */
  public double megabytesPerSecond() {
    return encoded.uncompressedSize() / 1e6 / Math.max(1e-9, elapsedNanos / 1e9);
  }
}
