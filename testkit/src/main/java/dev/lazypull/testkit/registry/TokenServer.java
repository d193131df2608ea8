package dev.lazypull.testkit.registry;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.operator.OperatorCreationException;

/**
 * A Docker token server (the bearer-token auth flow of the distribution spec) for tests, on a
 * free loopback port. It signs RS256 JWTs with a self-signed certificate that a
 * {@link RegistryServer} started with {@code tokenAuth(this)} trusts, so the real registry
 * verifies every token. It can require basic credentials, and can hand out tokens that are
 * already expired (the registry then answers 401) to exercise a client's token refresh.
 */
public final class TokenServer implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpServer server;
  private final KeyPair keys;
  private final X509Certificate certificate;
  private final Path certificateFile;
  private final String user;
  private final String password;
  private final AtomicInteger expiredToIssue = new AtomicInteger();
  private final List<String> requestedScopes = new CopyOnWriteArrayList<>();
  private final AtomicInteger issued = new AtomicInteger();
  private volatile java.time.Duration lifetime = java.time.Duration.ofSeconds(300);

  private TokenServer(Path dir, String user, String password) throws IOException {
    this.user = user;
    this.password = password;
    try {
      KeyPairGenerator kpg = KeyPairGenerator.getInstance("RSA");
      kpg.initialize(2048);
      keys = kpg.generateKeyPair();
      X500Name name = new X500Name("CN=lazypull test token issuer");
      certificate = TestTls.sign(TestTls.builder(name, name, keys), keys);
    } catch (GeneralSecurityException | OperatorCreationException e) {
      throw new IOException("cannot create the token signing key", e);
    }
    Files.createDirectories(dir);
    certificateFile = dir.resolve("token-signer.pem");
    TestTls.writePem(certificateFile, certificate);
    server = HttpServer.create(new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 16);
    server.createContext("/token", this::token);
    server.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
    server.start();
  }

  /** A token server for anyone (anonymous pulls and pushes get tokens). */
  public static TokenServer start(Path dir) throws IOException {
    return new TokenServer(dir, null, null);
  }

  /** A token server that hands out tokens only to {@code user} with {@code password}. */
  public static TokenServer start(Path dir, String user, String password) throws IOException {
    return new TokenServer(dir, user, password);
  }

  public URI realm() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/token");
  }

  public String service() {
    return "lazypull-test-registry";
  }

  public String issuer() {
    return "lazypull-test-issuer";
  }

  /** The PEM certificate the registry must trust to verify tokens. */
  public Path signingCertificate() {
    return certificateFile;
  }

  /** The next {@code n} tokens are issued already expired (but claim 300 s of validity). */
  public void issueExpiredTokens(int n) {
    expiredToIssue.set(n);
  }

  /**
   * Tokens issued from now on live {@code lifetime} (as expires_in says, and as the registry
   * enforces: their exp claim is set so that the registry's 60 s of clock leeway end then).
   */
  public void issueTokensLiving(java.time.Duration lifetime) {
    this.lifetime = lifetime;
  }

  /** How many tokens were issued. */
  public int tokensIssued() {
    return issued.get();
  }

  /** Every {@code scope} parameter received, in order. */
  public List<String> requestedScopes() {
    return List.copyOf(requestedScopes);
  }

  @Override
  public void close() {
    server.stop(0);
  }

  private void token(HttpExchange exchange) throws IOException {
    try (exchange) {
      if (user != null && !authorised(exchange.getRequestHeaders().getFirst("Authorization"))) {
        exchange.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"lazypull-test-token\"");
        respond(exchange, 401, "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"bad credentials\"}]}");
        return;
      }
      String service = null;
      List<String> scopes = new ArrayList<>();
      String query = exchange.getRequestURI().getRawQuery();
      for (String pair : query == null ? new String[0] : query.split("&")) {
        int eq = pair.indexOf('=');
        String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
        String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
        if (key.equals("service")) {
          service = value;
        } else if (key.equals("scope")) {
          scopes.add(value);
        }
      }
      if (!service().equals(service)) {
        respond(exchange, 400, "{\"errors\":[{\"code\":\"UNSUPPORTED\",\"message\":\"unknown service " + service + "\"}]}");
        return;
      }
      requestedScopes.addAll(scopes);
      boolean expired = expiredToIssue.getAndUpdate(n -> Math.max(0, n - 1)) > 0;
      long seconds = lifetime.toSeconds();
      String token = jwt(scopes, expired, seconds);
      issued.incrementAndGet();
      ObjectNode body = JSON.createObjectNode();
      body.put("token", token);
      body.put("access_token", token);
      body.put("expires_in", seconds);
      body.put("issued_at", Instant.now().toString());
      respond(exchange, 200, JSON.writeValueAsString(body));
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot sign a token", e);
    }
  }

  private boolean authorised(String header) {
    if (header == null || !header.startsWith("Basic ")) {
      return false;
    }
    String decoded = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
    return decoded.equals(user + ":" + password);
  }

  private String jwt(List<String> scopes, boolean expired, long lifetimeSeconds) throws GeneralSecurityException, IOException {
    ObjectNode header = JSON.createObjectNode();
    header.put("typ", "JWT");
    header.put("alg", "RS256");
    header.putArray("x5c").add(Base64.getEncoder().encodeToString(certificate.getEncoded()));
    long now = Instant.now().getEpochSecond();
    ObjectNode claims = JSON.createObjectNode();
    claims.put("iss", issuer());
    claims.put("sub", user == null ? "" : user);
    claims.put("aud", service());
    // The registry allows 60 s of clock leeway, so an expired token must be older than that, and a
    // token meant to live a few seconds claims to have expired up to 60 s ago.
    long leeway = 60;
    claims.put("exp", expired ? now - 600 : lifetimeSeconds < 300 ? now + lifetimeSeconds - leeway : now + lifetimeSeconds);
    claims.put("nbf", expired ? now - 900 : now - 10);
    claims.put("iat", expired ? now - 900 : now);
    claims.put("jti", UUID.randomUUID().toString());
    ArrayNode access = claims.putArray("access");
    for (String scope : scopes) {
      String[] parts = scope.split(":");
      if (parts.length == 3 && parts[0].equals("repository")) {
        ObjectNode entry = access.addObject();
        entry.put("type", "repository");
        entry.put("name", parts[1]);
        ArrayNode actions = entry.putArray("actions");
        for (String action : parts[2].split(",")) {
          actions.add(action);
        }
      }
    }
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    String signingInput = b64.encodeToString(JSON.writeValueAsBytes(header)) + "." + b64.encodeToString(JSON.writeValueAsBytes(claims));
    Signature rsa = Signature.getInstance("SHA256withRSA");
    rsa.initSign(keys.getPrivate());
    rsa.update(signingInput.getBytes(StandardCharsets.US_ASCII));
    return signingInput + "." + b64.encodeToString(rsa.sign());
  }

  private static void respond(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }
}
