package dev.lazypull.registry.remote;

import dev.lazypull.registry.ImageRef.RegistryRef;
import dev.lazypull.registry.RegistryOptions;
import dev.lazypull.registry.http.HttpTransport;
import dev.lazypull.registry.http.Origin;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Set;
import java.util.function.Predicate;

/** Opens {@link RemoteStore}s: picks the scheme and wires transport, auth and retries. */
public final class RemoteRepositories {

  /** A store with a transport of its own, closed with it. */
  public static RemoteStore open(RegistryRef ref, RegistryOptions options) throws IOException {
    HttpTransport transport = new HttpTransport(options.maxParallelRequests(), options.connectTimeout(), options.readIdleTimeout(), options.caBundle());
    Predicate<Origin> plainAllowed = origin -> plainHttpAllowed(origin, options.insecureRegistries());
    RegistryEndpoint registry = new RegistryEndpoint(ref.registry(), ref.endpoint(), transport, options, plainAllowed);
    return new RemoteStore(ref, registry, transport, options);
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
