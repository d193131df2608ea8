package dev.lazypull.registry.remote;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lazypull.registry.CredentialSource;
import dev.lazypull.registry.Credentials;
import dev.lazypull.registry.ErrorCode;
import dev.lazypull.registry.RegistryException;
import dev.lazypull.registry.http.HttpRequestSpec;
import dev.lazypull.registry.http.HttpResult;
import dev.lazypull.registry.http.HttpTransport;
import dev.lazypull.registry.http.Origin;
import dev.lazypull.registry.http.RequestBody;
import io.netty.handler.codec.http.HttpMethod;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * The Authorization header for one registry. It learns the scheme from the registry's first 401
 * challenge: Basic sends the user's credentials; Bearer fetches a token per scope from the
 * challenge's realm (with the credentials, when there are any), caches it until shortly before it
 * expires, and fetches a new one when the registry refuses it. Credentials and tokens are never
 * put into messages or logs.
 */
final class Authenticator {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** What a token lives when the token endpoint does not say (the distribution spec's default). */
  private static final Duration DEFAULT_TOKEN_LIFETIME = Duration.ofSeconds(60);

  private final String registry;
  private final CredentialSource source;
  private final HttpTransport transport;
  private final Predicate<Origin> plainHttpAllowed;
  private final Clock clock;
  private final Map<String, Token> tokens = new ConcurrentHashMap<>();
  private volatile Challenge challenge;
  private volatile Optional<Credentials> credentials;

  private record Token(String value, Instant expires) {}

  Authenticator(String registry, CredentialSource source, HttpTransport transport, Predicate<Origin> plainHttpAllowed, Clock clock) {
    this.registry = registry;
    this.source = source;
    this.transport = transport;
    this.plainHttpAllowed = plainHttpAllowed;
    this.clock = clock;
  }

  /** The header for a request needing {@code scope}, or null to go anonymous. */
  String authorization(String scope) throws IOException {
    Challenge c = challenge;
    if (c == null) {
      return null;
    }
    if (c.isBasic()) {
      return credentials().map(Authenticator::basic).orElse(null);
    }
    if (c.isBearer()) {
      Token t = tokens.get(scope);
      if (t == null || !clock.instant().isBefore(t.expires())) {
        t = fetchToken(c, scope);
      }
      return "Bearer " + t.value();
    }
    return null;
  }

  /**
   * Learns from a 401. Returns true when a new Authorization header is worth a retry; false when
   * what was sent is all there is (no or wrong credentials).
   */
  boolean onUnauthorized(String wwwAuthenticate, String scope, String sent) throws IOException {
    if (wwwAuthenticate == null) {
      return false;
    }
    Challenge c;
    try {
      c = Challenge.parse(wwwAuthenticate);
    } catch (IllegalArgumentException e) {
      return false;
    }
    challenge = c;
    if (c.isBasic()) {
      return sent == null && credentials().isPresent();
    }
    if (c.isBearer()) {
      // Forget only the token that was refused: a reader that raced us may have renewed it already.
      Token refused = tokens.get(scope);
      if (refused != null && sent != null && sent.equals("Bearer " + refused.value())) {
        tokens.remove(scope, refused);
      }
      Token fresh = fetchToken(c, scope);
      return sent == null || !sent.equals("Bearer " + fresh.value());
    }
    return false;
  }

  private synchronized Token fetchToken(Challenge c, String scope) throws IOException {
    Token cached = tokens.get(scope);
    if (cached != null && clock.instant().isBefore(cached.expires())) {
      return cached;
    }
    String realm = c.realm();
    if (realm == null) {
      throw new RegistryException(ErrorCode.UNAUTHORIZED, registry, 401, "bearer challenge without realm", null);
    }
    URI realmUri = URI.create(realm);
    Origin realmOrigin = Origin.of(realmUri);
    StringBuilder query = new StringBuilder(realmUri.getRawQuery() == null ? "" : realmUri.getRawQuery());
    if (c.params().get("service") != null) {
      append(query, "service", c.params().get("service"));
    }
    for (String s : scope.split(" ")) {
      append(query, "scope", s);
    }
    URI tokenUri = URI.create(realmOrigin + (realmUri.getRawPath() == null ? "" : realmUri.getRawPath()) + "?" + query);
    List<Map.Entry<String, String>> headers = new ArrayList<>();
    Optional<Credentials> creds = credentials();
    if (creds.isPresent()) {
      if (!realmOrigin.secure() && !plainHttpAllowed.test(realmOrigin)) {
        throw new RegistryException(ErrorCode.UNAUTHORIZED, registry, 0,
            "the token realm " + realmOrigin + " is plain HTTP; refusing to send credentials there", null);
      }
      headers.add(Map.entry("Authorization", basic(creds.get())));
    }
    try (HttpResult r = transport.send(new HttpRequestSpec(HttpMethod.GET, tokenUri, headers, RequestBody.EMPTY))) {
      byte[] body = r.body().readAll(1 << 20);
      if (r.status() != 200) {
        RegistryException e = RegistryErrors.of(r.status(), body, registry, ErrorCode.UNAUTHORIZED);
        throw new RegistryException(r.status() == 401 || r.status() == 403 ? ErrorCode.UNAUTHORIZED : e.code(), registry, r.status(),
            "token endpoint " + realmOrigin + " refused a token for " + scope + ": " + e.detail(), null);
      }
      JsonNode json = JSON.readTree(body);
      String value = json.path("token").asText(json.path("access_token").asText(null));
      if (value == null || value.isEmpty()) {
        throw new RegistryException(ErrorCode.UNAUTHORIZED, registry, 200, "token endpoint " + realmOrigin + " answered without a token", null);
      }
      long expiresIn = json.path("expires_in").asLong(0);
      Duration lifetime = expiresIn > 0 ? Duration.ofSeconds(expiresIn) : DEFAULT_TOKEN_LIFETIME;
      // Renewed before it expires (a tenth of its life early, at most 10 s), so that reads across
      // its expiry never meet a refusal; a token the registry refuses anyway is renewed on the 401.
      Duration early = lifetime.dividedBy(10).compareTo(Duration.ofSeconds(10)) > 0 ? Duration.ofSeconds(10) : lifetime.dividedBy(10);
      Token t = new Token(value, clock.instant().plus(lifetime.minus(early)));
      tokens.put(scope, t);
      return t;
    }
  }

  private Optional<Credentials> credentials() throws IOException {
    Optional<Credentials> c = credentials;
    if (c == null) {
      c = source.forRegistry(registry);
      credentials = c;
    }
    return c;
  }

  private static void append(StringBuilder query, String key, String value) {
    if (!query.isEmpty()) {
      query.append('&');
    }
    query.append(key).append('=').append(URLEncoder.encode(value, StandardCharsets.UTF_8));
  }

  private static String basic(Credentials c) {
    return "Basic " + Base64.getEncoder().encodeToString((c.username() + ":" + c.password()).getBytes(StandardCharsets.UTF_8));
  }
}
