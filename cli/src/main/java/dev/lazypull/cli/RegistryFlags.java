package dev.lazypull.cli;

import dev.lazypull.registry.ImageRef;
import dev.lazypull.registry.ImageStore;
import dev.lazypull.registry.ImageStores;
import dev.lazypull.registry.RegistryOptions;
import dev.lazypull.registry.layout.OciLayoutStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import picocli.CommandLine.Option;

/** Registry connection options shared by commands that read or write images (a picocli mixin). */
public final class RegistryFlags {
  @Option(names = "--insecure-registry", paramLabel = "HOST[:PORT]",
      description = "Reach this registry over plain HTTP (loopback always is). Repeatable.")
  List<String> insecure = new ArrayList<>();

  @Option(names = "--ca-bundle", paramLabel = "PEM", description = "Extra CA certificates to trust for registry TLS.")
  Path caBundle;

  RegistryOptions options() {
    RegistryOptions o = RegistryOptions.defaults().withInsecureRegistries(Set.copyOf(insecure));
    return caBundle == null ? o : o.withCaBundle(caBundle);
  }

  /** A store to read from: a layout must exist (a typo must not create an empty one). */
  ImageStore openSource(ImageRef ref) throws IOException {
    return switch (ref) {
      case ImageRef.LayoutRef l -> OciLayoutStore.open(l.directory());
      case ImageRef.RegistryRef r -> ImageStores.open(r, options());
    };
  }

  /** A store to write to: a layout is created when missing. */
  ImageStore openTarget(ImageRef ref) throws IOException {
    return ImageStores.open(ref, options());
  }
}
