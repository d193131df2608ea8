package dev.lazypull.registry.remote;

import dev.lazypull.registry.ImageRef.RegistryRef;
import dev.lazypull.registry.RegistryOptions;
import dev.lazypull.registry.hosts.HostsDirectory;
import dev.lazypull.registry.hosts.RegistryHost;
import dev.lazypull.registry.http.HttpTransport;
import dev.lazypull.registry.http.Origin;
import dev.lazypull.registry.http.TlsSettings;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * One registry's hosts (containerd's hosts.toml for it, mirrors first, or the registry alone)
 * with their pooled connections and tokens, for the stores of any of its repositories. A
 * long-running process (the node agent) keeps one per registry, so a second mount from the same
 * registry reuses warm connections instead of paying new handshakes.
 */
public final class RemoteRegistry implements AutoCloseable {
  private final String registry;
  private final HostChain hosts;
  private final List<HttpTransport> transports;
  private final RegistryOptions options;

  private RemoteRegistry(String registry, HostChain hosts, List<HttpTransport> transports, RegistryOptions options) {
    this.registry = registry;
    this.hosts = hosts;
    this.transports = transports;
    this.options = options;
  }

  /** The registry that {@code ref} names, with one transport per TLS configuration of its hosts. */
  public static RemoteRegistry open(RegistryRef ref, RegistryOptions options) throws IOException {
    TlsSettings base = TlsSettings.withCaBundle(options.caBundle());
    List<RegistryHost> hosts = new HostsDirectory(options.hostsDirectory()).hostsFor(ref.registry(), base);
    Predicate<Origin> plainAllowed = origin -> RemoteRepositories.plainHttpAllowed(origin, options.insecureRegistries());
    Map<TlsSettings, HttpTransport> transports = new LinkedHashMap<>();
    try {
      List<RegistryEndpoint> endpoints = new ArrayList<>();
      for (RegistryHost host : hosts) {
        HttpTransport transport = transports.get(host.tls());
        if (transport == null) {
          transport = new HttpTransport(options.maxParallelRequests(), options.connectTimeout(), options.readIdleTimeout(), host.tls());
          transports.put(host.tls(), transport);
        }
        endpoints.add(new RegistryEndpoint(ref.registry(), ref.endpoint(), host, transport, options, plainAllowed));
      }
      RetryPolicy retry = new RetryPolicy(options.retryBaseDelay(), options.maxRetryDelay(), options.maxAttempts());
      return new RemoteRegistry(ref.registry(), new HostChain(endpoints, retry), List.copyOf(transports.values()), options);
    } catch (IOException | RuntimeException e) {
      transports.values().forEach(HttpTransport::close);
      throw e;
    }
  }

  /** The registry host as references name it. */
  public String registry() {
    return registry;
  }

  /** A store for {@code ref}'s repository on this registry; closing it leaves the connections open. */
  public RemoteStore repository(RegistryRef ref) {
    requireSameRegistry(ref);
    return new RemoteStore(ref, hosts, List.of(), options);
  }

  /** A store that takes this registry's connections with it: closing the store closes them. */
  RemoteStore soleRepository(RegistryRef ref) {
    requireSameRegistry(ref);
    return new RemoteStore(ref, hosts, transports, options);
  }

  private void requireSameRegistry(RegistryRef ref) {
    if (!ref.registry().equals(registry)) {
      throw new IllegalArgumentException(ref + " is not on registry " + registry);
    }
  }

  @Override
  public void close() {
    transports.forEach(HttpTransport::close);
  }
}
