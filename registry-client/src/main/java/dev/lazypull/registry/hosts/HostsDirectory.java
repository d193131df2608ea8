package dev.lazypull.registry.hosts;

import dev.lazypull.registry.http.TlsSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * containerd's registry configuration directory ({@code /etc/containerd/certs.d} by default): one
 * {@code HOST/hosts.toml} per registry namespace, {@code _default/hosts.toml} for the others. A
 * namespace with a port is looked up as {@code host_port_}, then {@code host:port}, as containerd
 * does on Unix; a directory without hosts.toml may hold Docker's certificate files instead. Files
 * are read at each open, so edits apply to the next store opened (as containerd applies them to
 * the next pull).
 */
public record HostsDirectory(Path directory) {
  /** Where containerd's CRI plugin is usually told to look ({@code config_path}). */
  public static final Path CONTAINERD_DEFAULT = Path.of("/etc/containerd/certs.d");

  /**
   * The hosts for {@code registry} ({@code host[:port]}), mirrors first and the upstream last;
   * only the upstream when no file configures the namespace. As in containerd, the first of the
   * namespace's directories that exists decides: its hosts.toml, or, without one, Docker's
   * certificate files in it ({@code *.crt} CAs, a {@code NAME.cert} with its {@code NAME.key}).
   */
  public List<RegistryHost> hostsFor(String registry, TlsSettings base) throws IOException {
    Path dir = directoryFor(registry);
    if (dir == null) {
      return List.of(RegistryHost.defaultUpstream(base));
    }
    Path file = dir.resolve("hosts.toml");
    if (Files.isRegularFile(file)) {
      return HostsFile.parse(file, registry, base);
    }
    return List.of(RegistryHost.defaultUpstream(base.plus(dockerCertificates(dir))));
  }

  /** The hosts.toml that configures {@code registry}, or null. */
  public Path fileFor(String registry) {
    Path dir = directoryFor(registry);
    Path file = dir == null ? null : dir.resolve("hosts.toml");
    return file != null && Files.isRegularFile(file) ? file : null;
  }

  private Path directoryFor(String registry) {
    if (directory == null || !Files.isDirectory(directory) || registry.contains("/") || registry.startsWith(".")) {
      return null;
    }
    int colon = registry.lastIndexOf(':');
    List<String> names = colon > 0 && !registry.endsWith("]")
        ? List.of(registry.substring(0, colon) + "_" + registry.substring(colon + 1) + "_", registry, "_default")
        : List.of(registry, "_default");
    for (String name : names) {
      Path d = directory.resolve(name);
      if (Files.isDirectory(d)) {
        return d;
      }
    }
    return null;
  }

  private static TlsSettings dockerCertificates(Path dir) throws IOException {
    List<Path> cas = new ArrayList<>();
    Path cert = null;
    Path key = null;
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
        String name = f.getFileName().toString();
        if (name.endsWith(".crt")) {
          cas.add(f);
        } else if (name.endsWith(".cert") && cert == null) {
          Path k = dir.resolve(name.substring(0, name.length() - ".cert".length()) + ".key");
          if (!Files.isRegularFile(k)) {
            throw new IOException("client certificate " + f + " has no key " + k);
          }
          cert = f;
          key = k;
        }
      }
    }
    return new TlsSettings(cas, false, cert, key);
  }
}
