package dev.lazypull.registry;

import java.io.IOException;
import java.util.Map;
import java.util.Optional;

/** Finds the credentials for a registry (host[:port] as in image references). */
@FunctionalInterface
public interface CredentialSource {
  Optional<Credentials> forRegistry(String registry) throws IOException;

  /** Anonymous access everywhere. */
  static CredentialSource none() {
    return registry -> Optional.empty();
  }

  /** Fixed credentials per registry. */
  static CredentialSource of(Map<String, Credentials> byRegistry) {
    Map<String, Credentials> copy = Map.copyOf(byRegistry);
    return registry -> Optional.ofNullable(copy.get(registry));
  }

  /** This source, else {@code other}. */
  default CredentialSource orElse(CredentialSource other) {
    return registry -> {
      Optional<Credentials> found = forRegistry(registry);
      return found.isPresent() ? found : other.forRegistry(registry);
    };
  }
}
