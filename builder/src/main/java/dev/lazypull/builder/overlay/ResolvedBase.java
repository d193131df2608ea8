package dev.lazypull.builder.overlay;

import dev.lazypull.format.LazyAnnotations;
import dev.lazypull.oci.Descriptor;
import dev.lazypull.oci.ImageIndex;
import dev.lazypull.oci.ImageManifest;
import dev.lazypull.oci.MediaTypes;
import dev.lazypull.oci.OciJson;
import dev.lazypull.oci.Platform;
import dev.lazypull.registry.ImageStore;
import dev.lazypull.registry.ManifestBytes;
import java.io.IOException;

/**
 * The base image's manifest for the platform being built, as its store returned it. An index is
 * resolved to the entry for {@code platform}; the manifest's own digest is what the build hash
 * covers, so a tag that moves to a new base gives a new build.
 */
public record ResolvedBase(String reference, ManifestBytes manifestBytes, ImageManifest manifest) {

  public boolean isLazy() {
    return LazyAnnotations.isLazyManifest(manifest.annotations());
  }

  public static ResolvedBase resolve(ImageStore store, String reference, String tagOrDigest, Platform platform)
      throws IOException {
    ManifestBytes top;
    try {
      top = store.getManifest(tagOrDigest);
    } catch (IOException e) {
      throw new BuildInputException("cannot read base image " + reference + ": " + e.getMessage(), e);
    }
    ManifestBytes m = top;
    if (MediaTypes.isIndex(top.mediaType())) {
      ImageIndex index = OciJson.parseIndex(top.bytes(), top.mediaType());
      Descriptor entry = index.manifests().stream()
          .filter(d -> d.platform() != null && matches(d.platform(), platform))
          .findFirst()
          .orElseThrow(() -> new BuildInputException(
              "base image " + reference + " has no manifest for " + platform.os() + "/" + platform.architecture()));
      m = store.getManifest(entry.digest().toString());
    }
    if (!MediaTypes.isManifest(m.mediaType())) {
      throw new BuildInputException("base image " + reference + " is a " + m.mediaType() + ", not an image");
    }
    return new ResolvedBase(reference, m, OciJson.parseManifest(m.bytes(), m.mediaType()));
  }

  private static boolean matches(Platform p, Platform wanted) {
    return p.os().equals(wanted.os())
        && p.architecture().equals(wanted.architecture())
        && (wanted.variant() == null || wanted.variant().equals(p.variant()));
  }
}
