package dev.lazypull.agent.mounts;

import dev.lazypull.registry.ImageRef;
import dev.lazypull.registry.ImageStore;
import dev.lazypull.registry.RegistryOptions;
import dev.lazypull.registry.layout.OciLayoutStore;
import dev.lazypull.registry.remote.RemoteRegistry;
import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The agent's registry connections: one {@link RemoteRegistry} (connection pool and tokens) per
 * registry host and plain-HTTP permission, kept for the agent's life and shared by every mount
 * of every repository on it. Layout directories ({@code oci:DIR}) need no connection.
 */
public final class RegistryConnections implements AutoCloseable {
  private record Key(String registry, Set<String> insecure) {}

  private final RegistryOptions defaults;
  private final Map<Key, RemoteRegistry> registries = new ConcurrentHashMap<>();

  public RegistryConnections(RegistryOptions defaults) {
    this.defaults = defaults;
  }

  /**
   * A store for {@code ref}'s repository; closing it leaves the registry's connections open.
   * {@code insecure} adds hosts that may be reached over plain HTTP (for this registry's key).
   */
  public ImageStore open(ImageRef ref, List<String> insecure) throws IOException {
    return switch (ref) {
      case ImageRef.LayoutRef l -> OciLayoutStore.open(l.directory());
      case ImageRef.RegistryRef r -> {
        Set<String> hosts = new HashSet<>(defaults.insecureRegistries());
        hosts.addAll(insecure);
        Key key = new Key(r.registry(), Set.copyOf(hosts));
        yield registry(key, r).repository(r);
      }
    };
  }

  private synchronized RemoteRegistry registry(Key key, ImageRef.RegistryRef ref) throws IOException {
    RemoteRegistry r = registries.get(key);
    if (r == null) {
      r = RemoteRegistry.open(ref, defaults.withInsecureRegistries(key.insecure()));
      registries.put(key, r);
    }
    return r;
  }

  /** How many registry connection pools are open (one per registry host in use). */
  public int size() {
    return registries.size();
  }

  @Override
  public void close() {
    registries.values().forEach(RemoteRegistry::close);
    registries.clear();
  }
}
