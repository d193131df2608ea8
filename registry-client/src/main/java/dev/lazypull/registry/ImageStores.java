package dev.lazypull.registry;

import dev.lazypull.registry.ImageRef.LayoutRef;
import dev.lazypull.registry.ImageRef.RegistryRef;
import dev.lazypull.registry.layout.OciLayoutStore;
import java.io.IOException;

/** Opens the {@link ImageStore} an {@link ImageRef} names. */
public final class ImageStores {

  /** Parses {@code reference} ({@link ImageRef#parse}) and opens its store. */
  public static ImageStore open(String reference, RegistryOptions options) throws IOException {
    return open(ImageRef.parse(reference), options);
  }

  /**
   * The repository's store: a registry client for a {@link RegistryRef}, an OCI layout for a
   * {@link LayoutRef} (created empty when missing, as callers expect a target to exist after
   * open; use {@link OciLayoutStore#at} for a source that must not be created). The tag or digest of the reference is not used here;
   * pass {@link ImageRef#reference()} to {@link ImageStore#getManifest}.
   */
  public static ImageStore open(ImageRef ref, RegistryOptions options) throws IOException {
    return switch (ref) {
      case LayoutRef layout -> OciLayoutStore.openOrCreate(layout.directory());
      case RegistryRef registry -> dev.lazypull.registry.remote.RemoteRepositories.open(registry, options);
    };
  }

  private ImageStores() {}
}
