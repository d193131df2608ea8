package dev.lazypull.oci;

import java.util.List;
import java.util.Map;

/**
 * An OCI content descriptor, every field of the image spec's: {@code urls} (where else the content
 * may be fetched), {@code annotations}, {@code data} (the content itself, base64, kept as written),
 * {@code artifactType} and, in indexes, {@code platform}. {@code annotations} and {@code urls} are
 * never null (empty when absent) and keep their order, so that re-serialised JSON is stable;
 * {@code data}, {@code artifactType} and {@code platform} are null when absent.
 */
public record Descriptor(
    String mediaType, Digest digest, long size, List<String> urls, Map<String, String> annotations,
    String data, String artifactType, Platform platform) {

  public Descriptor {
    annotations = annotations == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(annotations));
    urls = urls == null ? List.of() : List.copyOf(urls);
    if (size < 0) {
      throw new IllegalArgumentException("negative size in descriptor of " + digest);
    }
  }

  public Descriptor(String mediaType, Digest digest, long size, Map<String, String> annotations, Platform platform) {
    this(mediaType, digest, size, List.of(), annotations, null, null, platform);
  }

  public Descriptor(String mediaType, Digest digest, long size) {
    this(mediaType, digest, size, Map.of(), null);
  }

  public Descriptor withAnnotations(Map<String, String> newAnnotations) {
    return new Descriptor(mediaType, digest, size, urls, newAnnotations, data, artifactType, platform);
  }

  /**
   * This descriptor for other content (a converted layer, a rewritten manifest): what describes
   * the role (annotations, artifactType, platform) stays; what describes the old bytes (urls, data)
   * goes, since it would be false of the new ones.
   */
  public Descriptor withContent(String newMediaType, Digest newDigest, long newSize) {
    return new Descriptor(newMediaType, newDigest, newSize, List.of(), annotations, null, artifactType, platform);
  }
}
