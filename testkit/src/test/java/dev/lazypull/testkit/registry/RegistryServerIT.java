package dev.lazypull.testkit.registry;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.Base64;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The harness against the JDK's HTTP client, independent of registry-client. */
class RegistryServerIT {
  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void sharedRegistryAnswersTheApiBase() throws Exception {
    RegistryServer registry = RegistryServer.shared();
    assertThat(RegistryServer.shared()).isSameAs(registry);
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(registry.baseUri().resolve("/v2/")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Docker-Distribution-Api-Version")).hasValue("registry/2.0");
  }

  @Test
  void htpasswdRegistryRequiresTheUser(@TempDir Path tmp) throws Exception {
    try (RegistryServer registry = RegistryServer.builder().htpasswd("alice", "s3cret").start()) {
      URI v2 = registry.baseUri().resolve("/v2/");
      assertThat(http.send(HttpRequest.newBuilder(v2).build(), HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(401);
      assertThat(status(v2, "Basic " + b64("alice:wrong"))).isEqualTo(401);
      assertThat(status(v2, "Basic " + b64("alice:s3cret"))).isEqualTo(200);
    }
  }

  @Test
  void tlsRegistryIsTrustedThroughItsCa(@TempDir Path tmp) throws Exception {
    TestTls tls = TestTls.generate(tmp);
    try (RegistryServer registry = RegistryServer.builder().tls(tls).start()) {
      KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
      trust.load(null, null);
      try (InputStream in = Files.newInputStream(tls.caCertificate())) {
        trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      SSLContext ssl = SSLContext.getInstance("TLS");
      ssl.init(null, tmf.getTrustManagers(), null);
      HttpClient client = HttpClient.newBuilder().sslContext(ssl).build();
      assertThat(registry.baseUri().getScheme()).isEqualTo("https");
      HttpResponse<String> r = client.send(HttpRequest.newBuilder(registry.baseUri().resolve("/v2/")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
    }
  }

  @Test
  void tokenAuthRegistryAcceptsTokensOfTheTokenServer(@TempDir Path tmp) throws Exception {
    try (TokenServer tokens = TokenServer.start(tmp, "bob", "pw");
        RegistryServer registry = RegistryServer.builder().tokenAuth(tokens).start()) {
      URI tags = registry.baseUri().resolve("/v2/some/repo/tags/list");
      HttpResponse<String> challenge = http.send(HttpRequest.newBuilder(tags).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(challenge.statusCode()).isEqualTo(401);
      assertThat(challenge.headers().firstValue("WWW-Authenticate").orElseThrow())
          .startsWith("Bearer realm=\"" + tokens.realm() + "\"")
          .contains("scope=\"repository:some/repo:pull\"");

      URI tokenUri = URI.create(tokens.realm() + "?service=" + tokens.service() + "&scope=repository:some/repo:pull");
      assertThat(status(tokenUri, null)).isEqualTo(401);
      HttpResponse<String> token = http.send(HttpRequest.newBuilder(tokenUri).header("Authorization", "Basic " + b64("bob:pw")).build(),
          HttpResponse.BodyHandlers.ofString());
      String jwt = new ObjectMapper().readTree(token.body()).get("token").asText();
      // The repository does not exist, so the registry answers 404 NAME_UNKNOWN once the token is accepted.
      assertThat(status(tags, "Bearer " + jwt)).isEqualTo(404);

      tokens.issueExpiredTokens(1);
      HttpResponse<String> expired = http.send(HttpRequest.newBuilder(tokenUri).header("Authorization", "Basic " + b64("bob:pw")).build(),
          HttpResponse.BodyHandlers.ofString());
      String stale = new ObjectMapper().readTree(expired.body()).get("token").asText();
      assertThat(status(tags, "Bearer " + stale)).isEqualTo(401);
    }
  }

  private int status(URI uri, String authorization) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri);
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }
}
