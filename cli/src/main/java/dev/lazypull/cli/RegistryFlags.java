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

/**
 * Registry connection options shared by commands that read or write images (a picocli mixin). The
 * fields start at the defaults that picocli applies too, for a mount read without picocli
 * ({@link ClientArgs}).
 */
public final class RegistryFlags {
  static final String DEFAULT_HOSTS_DIR = "/etc/containerd/certs.d";

  public RegistryFlags() {}

  @Option(names = "--insecure-registry", paramLabel = "HOST[:PORT]",
      description = "Reach this registry over plain HTTP (loopback always is). Repeatable.")
  List<String> insecure = new ArrayList<>();

  @Option(names = "--ca-bundle", paramLabel = "PEM", description = "Extra CA certificates to trust for registry TLS.")
  Path caBundle;

  @Option(names = "--hosts-dir", paramLabel = "DIR", defaultValue = DEFAULT_HOSTS_DIR,
      description = "containerd's registry host configuration: HOST/hosts.toml (mirrors, CAs, skip_verify), _default/hosts.toml"
          + " (default: ${DEFAULT-VALUE}; used when it exists)")
  Path hostsDir = Path.of(DEFAULT_HOSTS_DIR);

  public RegistryOptions options() {
    RegistryOptions o = RegistryOptions.defaults().withInsecureRegistries(Set.copyOf(insecure)).withHostsDirectory(hostsDir);
    return caBundle == null ? o : o.withCaBundle(caBundle);
  }

  /** These flags as arguments, for a process started with the same registry settings. */
  public List<String> arguments() {
    List<String> args = new ArrayList<>();
    for (String host : insecure) {
      args.add("--insecure-registry");
      args.add(host);
    }
    if (caBundle != null) {
      args.add("--ca-bundle");
      args.add(caBundle.toAbsolutePath().toString());
    }
    if (hostsDir != null) {
      args.add("--hosts-dir");
      args.add(hostsDir.toAbsolutePath().toString());
    }
    return args;
  }

  /** A store to read from: a layout must exist (a typo must not create an empty one). */
  public ImageStore openSource(ImageRef ref) throws IOException {
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
