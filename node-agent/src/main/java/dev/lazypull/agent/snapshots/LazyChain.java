package dev.lazypull.agent.snapshots;

import dev.lazypull.oci.Digest;
import java.util.List;
import java.util.Objects;

/**
 * The lowest {@code layers.size()} layers of a lazy image, which a committed lazy snapshot stands
 * for: mounted, they are one merged file system (the image's index of just those layers).
 *
 * @param imageRef the registry reference the layers are fetched from (tag or digest)
 * @param layers   the layer blobs' digests, lowest first
 */
public record LazyChain(String imageRef, List<Digest> layers) {
  public LazyChain {
    Objects.requireNonNull(imageRef, "imageRef");
    layers = List.copyOf(layers);
    if (layers.isEmpty()) {
      throw new IllegalArgumentException("a lazy chain has at least one layer");
    }
  }

  /** This chain with {@code layer} on top, fetched from {@code ref}. */
  public LazyChain plus(String ref, Digest layer) {
    List<Digest> more = new java.util.ArrayList<>(layers);
    more.add(layer);
    return new LazyChain(ref, more);
  }

  /** The digests as stored: comma separated, lowest first. */
  public String layersText() {
    return String.join(",", layers.stream().map(Digest::toString).toList());
  }

  public static List<Digest> parseLayers(String text) {
    return java.util.Arrays.stream(text.split(",")).map(Digest::parse).toList();
  }

  public Digest top() {
    return layers.getLast();
  }
}
