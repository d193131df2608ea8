package dev.lazypull.builder.overlay;

import dev.lazypull.registry.ImageStore;
import dev.lazypull.registry.ManifestBytes;
import java.io.IOException;

/**
 * Converts a non-lazy base image into a lazy one stored in {@code target} under {@code tag}. The
 * build calls it at most once per base: the conversion is remembered under that tag in the
 * target repository, where every CI machine finds it and garbage collection keeps it.
 */
@FunctionalInterface
public interface BaseConverter {
  /** The result: the lazy manifest as pushed, how many layers were converted and bytes uploaded. */
  record Converted(ManifestBytes manifest, int layersConverted, long bytesUploaded) {}

  Converted convert(ImageStore source, ManifestBytes sourceManifest, ImageStore target, String tag) throws IOException;
}
