package dev.lazypull.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Credentials as docker finds them in {@code $DOCKER_CONFIG/config.json} (default {@code
 * ~/.docker/config.json}): the registry's {@code credHelpers} entry, else the {@code credsStore},
 * else its {@code auths} entry. Helpers are docker's credential-helper programs ({@code
 * docker-credential-NAME get}, the server on stdin, JSON on stdout).
 *
 * <p>Nothing read here is ever put in a message or a log: errors name the file, the registry and
 * the helper, never a value. The config is read on every call, so a {@code docker login} after
 * the agent started is seen.
 */
public final class DockerCredentials {
  private static final ObjectMapper JSON = new ObjectMapper();
  // Docker Hub's key in config.json, from the days of the v1 API.
  private static final String DOCKER_HUB_KEY = "https://index.docker.io/v1/";
  private static final long HELPER_TIMEOUT_SECONDS = 30;

  /** The user's docker config (honours {@code DOCKER_CONFIG}). */
  public static CredentialSource fromDockerConfig() {
    String env = System.getenv("DOCKER_CONFIG");
    Path config = env != null && !env.isBlank()
        ? Path.of(env, "config.json")
        : Path.of(System.getProperty("user.home"), ".docker", "config.json");
    return fromDockerConfig(config);
  }

  /** A given config.json; a missing file means anonymous access. */
  public static CredentialSource fromDockerConfig(Path configJson) {
    return fromDockerConfig(configJson, null);
  }

  /** As {@link #fromDockerConfig(Path)}, with the helpers taken from {@code helpers} (null: from PATH). */
  static CredentialSource fromDockerConfig(Path configJson, Path helpers) {
    return registry -> lookup(configJson, helpers, registry);
  }

  private static Optional<Credentials> lookup(Path configJson, Path helpers, String registry) throws IOException {
    JsonNode config;
    try (InputStream in = Files.newInputStream(configJson)) {
      config = JSON.readTree(in);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      // Jackson's message may quote the file's bytes, which hold secrets.
      throw new IOException("cannot read the docker config " + configJson + ": not valid JSON or not readable");
    }
    if (config == null || !config.isObject()) {
      throw new IOException("cannot read the docker config " + configJson + ": not a JSON object");
    }
    String key = registry.equals(ImageRef.DOCKER_HUB) ? DOCKER_HUB_KEY : registry;
    Optional<String> helper = text(entry(config.path("credHelpers"), registry));
    if (helper.isEmpty()) {
      helper = text(config.path("credsStore"));
    }
    if (helper.isPresent()) {
      Optional<Credentials> fromHelper = runHelper(helpers, helper.get(), key, registry);
      if (fromHelper.isPresent()) {
        return fromHelper;
      }
    }
    return fromAuths(entry(config.path("auths"), registry), configJson, registry);
  }

  /** The entry for {@code registry}, whose key may be written with a scheme or a path, as docker accepts. */
  private static JsonNode entry(JsonNode map, String registry) {
    if (!map.isObject()) {
      return null;
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = map.properties().iterator(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (hostOf(e.getKey()).equals(registry)) {
        return e.getValue();
      }
    }
    return null;
  }

  /** {@code https://index.docker.io/v1/} -> {@code docker.io}, {@code http://host:5000} -> {@code host:5000}. */
  static String hostOf(String key) {
    String host = key;
    int scheme = host.indexOf("://");
    if (scheme >= 0) {
      host = host.substring(scheme + 3);
    }
    int slash = host.indexOf('/');
    if (slash >= 0) {
      host = host.substring(0, slash);
    }
    return switch (host) {
      case "index.docker.io", "registry-1.docker.io", "docker.io" -> ImageRef.DOCKER_HUB;
      default -> host;
    };
  }

  private static Optional<Credentials> fromAuths(JsonNode auth, Path configJson, String registry) throws IOException {
    if (auth == null) {
      return Optional.empty();
    }
    Optional<String> username = text(auth.get("username"));
    Optional<String> password = text(auth.get("password"));
    if (username.isPresent() && password.isPresent()) {
      return Optional.of(new Credentials(username.get(), password.get()));
    }
    Optional<String> encoded = text(auth.get("auth"));
    if (encoded.isEmpty()) {
      return Optional.empty();
    }
    String decoded;
    try {
      decoded = new String(Base64.getDecoder().decode(encoded.get().strip()), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new IOException("the docker config " + configJson + " has an 'auth' for " + registry + " that is not base64");
    }
    int colon = decoded.indexOf(':');
    if (colon < 0) {
      throw new IOException("the docker config " + configJson + " has an 'auth' for " + registry + " that is not user:password");
    }
    return Optional.of(new Credentials(decoded.substring(0, colon), decoded.substring(colon + 1)));
  }

  private static Optional<Credentials> runHelper(Path helpers, String name, String serverKey, String registry)
      throws IOException {
    if (!name.matches("[A-Za-z0-9._-]+")) {
      throw new IOException("docker credential helper name '" + name + "' is not a plain program name");
    }
    String program = "docker-credential-" + name;
    Process p;
    try {
      p = new ProcessBuilder(helpers == null ? program : helpers.resolve(program).toString(), "get").redirectError(ProcessBuilder.Redirect.DISCARD).start();
    } catch (IOException e) {
      throw new IOException("docker credential helper " + program + " (for " + registry + ") cannot be started: is it on PATH?");
    }
    try (OutputStream in = p.getOutputStream()) {
      in.write(serverKey.getBytes(StandardCharsets.UTF_8));
    }
    byte[] out;
    try (InputStream stdout = p.getInputStream()) {
      out = stdout.readNBytes(1 << 20);
    }
    try {
      if (!p.waitFor(HELPER_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException("docker credential helper " + program + " did not answer for " + registry
            + " within " + HELPER_TIMEOUT_SECONDS + " s");
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while asking " + program + " for " + registry);
    }
    if (p.exitValue() != 0) {
      // Helpers exit non-zero with "credentials not found in native keychain" when they have none.
      return Optional.empty();
    }
    JsonNode answer;
    try {
      answer = JSON.readTree(out);
    } catch (IOException e) {
      throw new IOException("docker credential helper " + program + " gave an answer for " + registry + " that is not JSON");
    }
    Optional<String> user = text(answer == null ? null : answer.get("Username"));
    Optional<String> secret = text(answer == null ? null : answer.get("Secret"));
    if (user.isEmpty() || secret.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(new Credentials(user.get(), secret.get()));
  }

  private static Optional<String> text(JsonNode node) {
    return node != null && node.isTextual() && !node.asText().isEmpty() ? Optional.of(node.asText()) : Optional.empty();
  }

  private DockerCredentials() {}
}
