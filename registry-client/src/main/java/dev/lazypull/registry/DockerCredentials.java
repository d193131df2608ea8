package dev.lazypull.registry;

import com.google.cloud.tools.jib.api.Credential;
import com.google.cloud.tools.jib.api.CredentialRetriever;
import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.frontend.CredentialRetrieverFactory;
import com.google.cloud.tools.jib.registry.credentials.CredentialRetrievalException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Credentials as docker finds them: {@code auths}, {@code credHelpers} and {@code credsStore} of
 * {@code $DOCKER_CONFIG/config.json} (default {@code ~/.docker/config.json}), through jib-core's
 * retrievers. Nothing is logged: jib's log events are dropped, as they may quote the config.
 */
public final class DockerCredentials {

  /** The user's docker config (honours {@code DOCKER_CONFIG}). */
  public static CredentialSource fromDockerConfig() {
    String env = System.getenv("DOCKER_CONFIG");
    return fromDockerConfig(env != null ? Path.of(env, "config.json") : null);
  }

  /** A given config.json; null for docker's default places. */
  public static CredentialSource fromDockerConfig(Path configJson) {
    return registry -> {
      ImageReference ref = ImageReference.of(registry, "lazypull/probe", null);
      CredentialRetrieverFactory factory = CredentialRetrieverFactory.forImage(ref, event -> {});
      List<CredentialRetriever> retrievers = configJson != null
          ? List.of(factory.dockerConfig(configJson))
          : List.of(factory.dockerConfig());
      for (CredentialRetriever retriever : retrievers) {
        try {
          Optional<Credential> c = retriever.retrieve();
          if (c.isPresent()) {
            return Optional.of(new Credentials(c.get().getUsername(), c.get().getPassword()));
          }
        } catch (CredentialRetrievalException e) {
          throw new IOException("cannot read credentials for " + registry + " from the docker config: " + e.getMessage(), e);
        }
      }
      return Optional.empty();
    };
  }

  private DockerCredentials() {}
}
