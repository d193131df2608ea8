package dev.lazypull.builder.inspect;

import dev.lazypull.oci.Digest;
import dev.lazypull.oci.Platform;
import java.util.List;

/** One image manifest and its layers, with totals; {@code platform} is null for a lone manifest. */
public record ImageReport(Platform platform, Digest manifest, boolean lazy, List<LayerReport> layers) {

  public long compressedBytes() {
    return layers.stream().mapToLong(LayerReport::compressedBytes).sum();
  }

  /** Sum over layers, or -1 when a layer does not know (not lazy). */
  public long uncompressedBytes() {
    return sumKnown(layers.stream().mapToLong(LayerReport::uncompressedBytes).toArray());
  }

  public long files() {
    return sumKnown(layers.stream().mapToLong(LayerReport::files).toArray());
  }

  public long entries() {
    return sumKnown(layers.stream().mapToLong(LayerReport::entries).toArray());
  }

  public long chunks() {
    return sumKnown(layers.stream().mapToLong(LayerReport::chunks).toArray());
  }

  public long tocBytes() {
    return sumKnown(layers.stream().mapToLong(LayerReport::tocBytes).toArray());
  }

  private static long sumKnown(long[] values) {
    long sum = 0;
    for (long v : values) {
      if (v < 0) {
        return -1;
      }
      sum += v;
    }
    return sum;
  }
}
