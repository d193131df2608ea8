package dev.lazypull.agent.snapshots;

import dev.lazypull.format.LazyAnnotations;
import dev.lazypull.oci.Digest;
import dev.lazypull.registry.ImageRef;
import dev.lazypull.registry.ImageRef.RegistryRef;
import java.util.Map;

/**
 * What the labels of a Prepare say about a layer containerd is about to unpack: which chain ID it
 * becomes, which image and layer it is (the labels of CRI, or of {@code ctr-remote image rpull}),
 * and whether the layer is lazy (its TOC annotations, which the converter also writes under
 * {@code containerd.io/snapshot/}).
 */
public final class RemoteLayerLabels {
  /** The chain ID the unpacker will commit the layer as; present only in a remote-snapshot handshake. */
  public static final String TARGET = "containerd.io/snapshot.ref";
  public static final String CRI_IMAGE_REF = "containerd.io/snapshot/cri.image-ref";
  public static final String CRI_LAYER_DIGEST = "containerd.io/snapshot/cri.layer-digest";
  public static final String CRI_MANIFEST_DIGEST = "containerd.io/snapshot/cri.manifest-digest";
  public static final String CRI_IMAGE_LAYERS = "containerd.io/snapshot/cri.image-layers";
  public static final String STARGZ_REFERENCE = "containerd.io/snapshot/remote/stargz.reference";
  public static final String STARGZ_DIGEST = "containerd.io/snapshot/remote/stargz.digest";
  public static final String STARGZ_LAYERS = "containerd.io/snapshot/remote/stargz.layers";

  private RemoteLayerLabels() {}

  /** The outcome of reading the labels: a lazy layer of an image, or the reason it is handled the ordinary way. */
  public sealed interface Reading permits Lazy, NotLazy {}

  /** A lazy layer: {@code layer} of the image at {@code imageRef} (pinned to its manifest digest when the labels give it). */
  public record Lazy(String imageRef, Digest layer) implements Reading {}

  /** Not lazy; {@code reason} is a short stable word for the metric, {@code detail} says what was seen. */
  public record NotLazy(String reason, String detail) implements Reading {}

  public static Reading read(Map<String, String> labels) {
    try {
      if (LazyAnnotations.tocPointerOfSnapshotLabels(labels).isEmpty()) {
        return new NotLazy("not-lazy", "the layer has no lazypull TOC annotation (not converted with lazypull convert)");
      }
    } catch (IllegalArgumentException e) {
      return new NotLazy("malformed-labels", "the layer's lazypull annotations are malformed: " + e.getMessage());
    }
    String ref = first(labels, CRI_IMAGE_REF, STARGZ_REFERENCE);
    String layer = first(labels, CRI_LAYER_DIGEST, STARGZ_DIGEST);
    if (ref == null || layer == null) {
      return new NotLazy("no-image-reference", "the labels name no image reference and layer digest (pull with the CRI "
          + "plugin and disable_snapshot_annotations = false, or with ctr-remote image rpull)");
    }
    RegistryRef image;
    Digest digest;
    try {
      if (!(ImageRef.parse(ref) instanceof RegistryRef r)) {
        return new NotLazy("malformed-labels", "image reference " + Names.abbreviate(ref) + " is not a registry reference");
      }
      image = r;
      digest = Digest.parse(layer);
      String manifest = labels.get(CRI_MANIFEST_DIGEST);
      if (manifest != null) {
        image = image.withDigest(Digest.parse(manifest));
      }
    } catch (IllegalArgumentException e) {
      return new NotLazy("malformed-labels", "malformed image labels: " + e.getMessage());
    }
    return new Lazy(image.toString(), digest);
  }

  private static String first(Map<String, String> labels, String a, String b) {
    String v = labels.get(a);
    return v != null ? v : labels.get(b);
  }
}
