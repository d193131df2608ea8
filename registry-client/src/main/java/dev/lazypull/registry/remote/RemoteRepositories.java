package dev.lazypull.registry.remote;

import dev.lazypull.registry.ImageRef.RegistryRef;
import dev.lazypull.registry.RegistryOptions;
import dev.lazypull.registry.http.Origin;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Set;

/** Opens {@link RemoteStore}s: picks the scheme and wires transport, auth and retries. */
public final class RemoteRepositories {

  /**
   * A store with transports of its own (one per TLS configuration), closed with it. Its hosts are
   * those containerd's hosts.toml for the registry names ({@link RegistryOptions#hostsDirectory()}),
   * mirrors first, or the registry alone.
   */
  public static RemoteStore open(RegistryRef ref, RegistryOptions options) throws IOException {
    return RemoteRegistry.open(ref, options).soleRepository(ref);
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
