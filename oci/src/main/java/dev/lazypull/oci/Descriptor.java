package dev.lazypull.oci;

import java.util.Map;

/**
 * An OCI content descriptor. {@code annotations} is never null (empty when absent) and keeps its
 * insertion order, so that re-serialised JSON is stable; {@code platform} is null outside indexes.
 */
public record Descriptor(
    String mediaType, Digest digest, long size, Map<String, String> annotations, Platform platform) {

  public Descriptor {
    annotations = annotations == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(annotations));
    if (size < 0) {
      throw new IllegalArgumentException("negative size in descriptor of " + digest);
    }
  }

  public Descriptor(String mediaType, Digest digest, long size) {
    this(mediaType, digest, size, Map.of(), null);
  }

  public Descriptor withAnnotations(Map<String, String> newAnnotations) {
    return new Descriptor(mediaType, digest, size, newAnnotations, platform);
  }
}
