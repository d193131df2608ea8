package dev.lazypull.oci;

import java.util.List;
import java.util.Map;

/**
 * An image manifest (OCI or Docker schema 2). {@code layers} and {@code annotations} are never
 * null; {@code artifactType} and {@code subject} are null when absent. Parse and serialise with
 * {@link OciJson}.
 */
public record ImageManifest(
    String mediaType,
    String artifactType,
    Descriptor config,
    List<Descriptor> layers,
    Descriptor subject,
    Map<String, String> annotations) {

  public ImageManifest {
    if (!MediaTypes.isManifest(mediaType)) {
      throw new IllegalArgumentException("not a manifest media type: " + mediaType);
    }
    if (config == null) {
      throw new IllegalArgumentException("manifest without config");
    }
    layers = layers == null ? List.of() : List.copyOf(layers);
    annotations = OciJson.orderedCopy(annotations);
  }

  /** An OCI manifest with no artifact type, subject or annotations. */
  public static ImageManifest oci(Descriptor config, List<Descriptor> layers) {
    return new ImageManifest(MediaTypes.OCI_MANIFEST, null, config, layers, null, Map.of());
  }

  public ImageManifest withLayers(List<Descriptor> newLayers) {
    return new ImageManifest(mediaType, artifactType, config, newLayers, subject, annotations);
  }

  public ImageManifest withAnnotations(Map<String, String> newAnnotations) {
    return new ImageManifest(mediaType, artifactType, config, layers, subject, newAnnotations);
  }

  public byte[] toJson() {
    return OciJson.write(this);
  }
}
