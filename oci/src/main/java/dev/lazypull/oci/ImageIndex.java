package dev.lazypull.oci;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** An image index (OCI) or manifest list (Docker). Parse and serialise with {@link OciJson}. */
public record ImageIndex(String mediaType, List<Descriptor> manifests, Map<String, String> annotations) {

  public ImageIndex {
    if (!MediaTypes.isIndex(mediaType)) {
      throw new IllegalArgumentException("not an index media type: " + mediaType);
    }
    manifests = manifests == null ? List.of() : List.copyOf(manifests);
    annotations = OciJson.orderedCopy(annotations);
  }

  public static ImageIndex oci(List<Descriptor> manifests) {
    return new ImageIndex(MediaTypes.OCI_INDEX, manifests, Map.of());
  }

  /**
   * The manifest for {@code platform}: os and architecture must match; a requested variant must
   * match too, and when none is requested an entry without variant is preferred (then the first
   * one). Entries that are not image manifests (attestations, nested indexes) are skipped.
   */
  public Optional<Descriptor> select(Platform platform) {
    Descriptor fallback = null;
    for (Descriptor d : manifests) {
      Platform p = d.platform();
      if (p == null || !MediaTypes.isManifest(d.mediaType())) {
        continue;
      }
      if (!platform.os().equals(p.os()) || !platform.architecture().equals(p.architecture())) {
        continue;
      }
      if (platform.variant() != null) {
        if (platform.variant().equals(p.variant())) {
          return Optional.of(d);
        }
      } else if (p.variant() == null) {
        return Optional.of(d);
      } else if (fallback == null) {
        fallback = d;
      }
    }
    return Optional.ofNullable(fallback);
  }

  public byte[] toJson() {
    return OciJson.write(this);
  }
}
