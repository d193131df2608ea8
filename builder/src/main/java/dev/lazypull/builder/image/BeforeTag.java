package dev.lazypull.builder.image;

import dev.lazypull.registry.ImageStore;
import dev.lazypull.registry.ManifestBytes;
import java.io.IOException;

/**
 * A last step between pushing an image and tagging it: it gets the manifest, already stored by
 * digest in the target (so it can be mounted), and returns the manifest to tag, the same or a new
 * one it has stored. Recording a start-up (module recorder) is one. When it throws, nothing is
 * tagged.
 */
@FunctionalInterface
public interface BeforeTag {
  BeforeTag NONE = (target, manifest) -> manifest;

  ManifestBytes apply(ImageStore target, ManifestBytes manifest) throws IOException;
}
