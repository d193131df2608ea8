package dev.lazypull.registry.hosts;

import dev.lazypull.registry.http.TlsSettings;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One host that serves a registry's namespace: a mirror or the upstream server.
 *
 * @param apiRoot the distribution API root, {@code https://mirror/v2} (the hosts.toml URL with
 *     {@code /v2} appended unless {@code override_path} is set); null for the upstream when no
 *     {@code server} is configured, which is then reached as without hosts.toml (https, or plain
 *     HTTP for loopback and insecure registries)
 * @param capabilities what it may be asked
 * @param tls its CAs, client certificate and whether verification is skipped
 * @param headers extra request headers
 * @param mirror whether it stands in for the namespace's registry (requests then carry
 *     {@code ns=REGISTRY}, as containerd's do)
 */
public record RegistryHost(URI apiRoot, Set<HostCapability> capabilities, TlsSettings tls,
    Map<String, List<String>> headers, boolean mirror) {

  public RegistryHost {
    capabilities = Set.copyOf(capabilities);
    headers = Map.copyOf(headers);
  }

  /** The image's own registry, reached as without hosts.toml. */
  public static RegistryHost defaultUpstream(TlsSettings tls) {
    return new RegistryHost(null, Set.of(HostCapability.values()), tls, Map.of(), false);
  }

  public boolean can(HostCapability capability) {
    return capabilities.contains(capability);
  }

  /** How logs name it: the URL (which never holds credentials here), or "upstream". */
  public String describe() {
    return apiRoot == null ? "upstream" : apiRoot.toString();
  }
}
