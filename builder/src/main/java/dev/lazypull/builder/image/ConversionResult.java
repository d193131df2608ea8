package dev.lazypull.builder.image;

import dev.lazypull.builder.layer.ConvertedLayer;
import dev.lazypull.oci.Digest;
import dev.lazypull.oci.Platform;
import dev.lazypull.registry.ManifestBytes;
import java.util.List;

/**
 * What a conversion produced: the digest the destination tag now points to (a manifest, or an
 * index for a multi-platform source) and each converted image with its layers.
 */
public record ConversionResult(ManifestBytes manifest, List<Image> images) {

  /** The digest the destination tag points to. */
  public Digest digest() {
    return manifest.digest();
  }

  /** Layers converted over all images. */
  public int layersConverted() {
    return images.stream().mapToInt(i -> i.layers().size()).sum();
  }

  /** Bytes of lazy layer blobs produced (pushed unless the target had them already). */
  public long lazyBytes() {
    return images.stream().flatMap(i -> i.layers().stream()).mapToLong(l -> l.encoded().compressedSize()).sum();
  }

  /** One converted manifest. {@code platform} is null when the source was a single manifest. */
  public record Image(Platform platform, Digest source, Digest manifest, List<ConvertedLayer> layers) {

    public long uncompressedBytes() {
      return layers.stream().mapToLong(l -> l.encoded().uncompressedSize()).sum();
    }

    public long elapsedNanos() {
      return layers.stream().mapToLong(ConvertedLayer::elapsedNanos).sum();
    }
  }
}
