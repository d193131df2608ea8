package dev.lazypull.registry.hosts;

import dev.lazypull.registry.http.TlsSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * containerd's registry configuration directory ({@code /etc/containerd/certs.d} by default): one
 * {@code HOST/hosts.toml} per registry namespace, {@code _default/hosts.toml} for the others. A
 * namespace with a port is looked up as {@code host_port_}, then {@code host:port}, as containerd
 * does on Unix. Files are read at each open, so edits apply to the next store opened (as
 * containerd applies them to the next pull).
 */
public record HostsDirectory(Path directory) {
  /** Where containerd's CRI plugin is usually told to look ({@code config_path}). */
  public static final Path CONTAINERD_DEFAULT = Path.of("/etc/containerd/certs.d");

  /**
   * The hosts for {@code registry} ({@code host[:port]}), mirrors first and the upstream last;
   * only the upstream when no file configures the namespace.
   */
  public List<RegistryHost> hostsFor(String registry, TlsSettings base) throws IOException {
    Path file = fileFor(registry);
    return file == null ? List.of(RegistryHost.defaultUpstream(base)) : HostsFile.parse(file, registry, base);
  }

  /** The hosts.toml that configures {@code registry}, or null. */
  public Path fileFor(String registry) {
    if (directory == null || !Files.isDirectory(directory) || registry.contains("/") || registry.startsWith(".")) {
      return null;
    }
    int colon = registry.lastIndexOf(':');
    List<String> names = colon > 0 && !registry.endsWith("]")
        ? List.of(registry.substring(0, colon) + "_" + registry.substring(colon + 1) + "_", registry, "_default")
        : List.of(registry, "_default");
    for (String name : names) {
      Path f = directory.resolve(name).resolve("hosts.toml");
      if (Files.isRegularFile(f)) {
        return f;
      }
    }
    return null;
  }
}
