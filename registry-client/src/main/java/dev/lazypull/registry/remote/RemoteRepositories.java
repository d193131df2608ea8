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
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Set;
import java.util.function.Predicate;

/** Opens {@link RemoteStore}s: picks the scheme and wires transport, auth and retries. */
public final class RemoteRepositories {

  /**
   * A store with transports of its own (one per TLS configuration), closed with it. Its hosts are
   * those containerd's hosts.toml for the registry names ({@link RegistryOptions#hostsDirectory()}),
   * mirrors first, or the registry alone.
   */
  public static RemoteStore open(RegistryRef ref, RegistryOptions options) throws IOException {
    TlsSettings base = TlsSettings.withCaBundle(options.caBundle());
    List<RegistryHost> hosts = new HostsDirectory(options.hostsDirectory()).hostsFor(ref.registry(), base);
    Predicate<Origin> plainAllowed = origin -> plainHttpAllowed(origin, options.insecureRegistries());
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
      return new RemoteStore(ref, new HostChain(endpoints, retry), List.copyOf(transports.values()), options);
    } catch (IOException | RuntimeException e) {
      transports.values().forEach(HttpTransport::close);
      throw e;
    }
  }

  /**
   * Plain HTTP is allowed to loopback (127.0.0.0/8, ::1, localhost) and to the hosts named in
   * {@code insecure} (as host or host:port), never elsewhere.
   */
  public static boolean plainHttpAllowed(Origin origin, Set<String> insecure) {
    String host = origin.host().toLowerCase(Locale.ROOT);
    if (host.equals("localhost") || insecure.contains(host) || insecure.contains(origin.hostHeader())
        || insecure.contains(host + ":" + origin.port())) {
      return true;
    }
    if (host.matches("[0-9.]+") || host.contains(":")) {
      try {
        return InetAddress.getByName(host).isLoopbackAddress();
      } catch (UnknownHostException e) {
        return false;
      }
    }
    return false;
  }

  private RemoteRepositories() {}
}
