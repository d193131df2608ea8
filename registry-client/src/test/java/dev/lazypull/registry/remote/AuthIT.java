package dev.lazypull.registry.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lazypull.oci.Digest;
import dev.lazypull.registry.CredentialSource;
import dev.lazypull.registry.Credentials;
import dev.lazypull.registry.DockerCredentials;
import dev.lazypull.registry.ErrorCode;
import dev.lazypull.registry.ImageStore;
import dev.lazypull.registry.ImageStores;
import dev.lazypull.registry.RegistryException;
import dev.lazypull.registry.RegistryOptions;
import dev.lazypull.registry.TestImage;
import dev.lazypull.testkit.registry.FaultProxy;
import dev.lazypull.testkit.registry.RegistryServer;
import dev.lazypull.testkit.registry.TestTls;
import dev.lazypull.testkit.registry.TokenServer;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Basic auth (htpasswd), the bearer-token flow, and TLS, each against a registry of its own. */
class AuthIT {
  private static final RegistryOptions ANONYMOUS = RegistryOptions.defaults().withCredentials(CredentialSource.none());
  @TempDir Path tmp;

  @Test
  void basicAuthWithHtpasswd() throws Exception {
    TestImage image = TestImage.random(tmp, 31, 10_000, 20_000);
    try (RegistryServer registry = RegistryServer.builder().htpasswd("alice", "s3cret").start()) {
      String ref = registry.reference("auth/basic");
      try (ImageStore anonymous = ImageStores.open(ref, ANONYMOUS)) {
        assertThatThrownBy(() -> anonymous.getManifest("v1"))
            .isInstanceOfSatisfying(RegistryException.class, e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.UNAUTHORIZED);
              assertThat(e.getMessage()).contains("log in");
            });
      }
      RegistryOptions wrong = ANONYMOUS.withCredentials(CredentialSource.of(Map.of(registry.hostPort(), new Credentials("alice", "nope"))));
      try (ImageStore store = ImageStores.open(ref, wrong)) {
        assertThatThrownBy(() -> store.listTags())
            .isInstanceOfSatisfying(RegistryException.class, e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.UNAUTHORIZED);
              assertThat(e.getMessage()).doesNotContain("nope");
            });
      }
      RegistryOptions right = ANONYMOUS.withCredentials(CredentialSource.of(Map.of(registry.hostPort(), new Credentials("alice", "s3cret"))));
      Digest digest;
      try (ImageStore store = ImageStores.open(ref, right)) {
        digest = image.push(store, "v1");
        assertThat(store.readBlobRange(image.layerDigest(1), 100, 50)).isEqualTo(Arrays.copyOfRange(image.layers().get(1), 100, 150));
      }
      // The same credentials, found in a docker config.json as `docker login` writes it.
      Path config = tmp.resolve("config.json");
      String auth = Base64.getEncoder().encodeToString("alice:s3cret".getBytes(StandardCharsets.UTF_8));
      Files.writeString(config, "{\"auths\":{\"" + registry.hostPort() + "\":{\"auth\":\"" + auth + "\"}}}");
      try (ImageStore store = ImageStores.open(ref, ANONYMOUS.withCredentials(DockerCredentials.fromDockerConfig(config)))) {
        assertThat(store.getManifest("v1").digest()).isEqualTo(digest);
      }
    }
  }

  @Test
  void bearerTokenFlowWithCachingAndRefresh() throws Exception {
    TestImage image = TestImage.random(tmp, 32, 30_000);
    try (TokenServer tokens = TokenServer.start(tmp.resolve("tokens"), "bob", "pw");
        RegistryServer registry = RegistryServer.builder().tokenAuth(tokens).start()) {
      RegistryOptions bob = ANONYMOUS.withCredentials(CredentialSource.of(Map.of(registry.hostPort(), new Credentials("bob", "pw"))));
      try (ImageStore store = ImageStores.open(registry.reference("auth/token"), bob)) {
        Digest digest = image.push(store, "v1");
        for (int i = 0; i < 10; i++) {
          store.readBlobRange(image.layerDigest(0), i * 100, 100);
        }
        // One token per scope (pull for the HEAD checks, pull+push for the uploads), then cached.
        assertThat(tokens.tokensIssued()).isEqualTo(2);
        assertThat(tokens.requestedScopes()).containsExactly("repository:auth/token:pull", "repository:auth/token:pull,push");

        // A token the registry itself finds expired: 401, a new token, success.
        try (ImageStore fresh = ImageStores.open(registry.reference("auth/token"), bob)) {
          tokens.issueExpiredTokens(1);
          int before = tokens.tokensIssued();
          assertThat(fresh.getManifest("v1").digest()).isEqualTo(digest);
          assertThat(tokens.tokensIssued()).isEqualTo(before + 2);
        }
      }
      // A 401 in the middle of a session (say, a revoked token) makes the client fetch a new one.
      try (FaultProxy proxy = FaultProxy.start(registry.hostPort());
          ImageStore viaProxy = ImageStores.open(proxy.hostPort() + "/auth/token",
              ANONYMOUS.withCredentials(CredentialSource.of(Map.of(proxy.hostPort(), new Credentials("bob", "pw")))))) {
        assertThat(viaProxy.listTags()).containsExactly("v1");
        int before = tokens.tokensIssued();
        proxy.inject(FaultProxy.status("/tags/list", 401, 1, Map.of("WWW-Authenticate",
            "Bearer realm=\"" + tokens.realm() + "\",service=\"" + tokens.service() + "\",scope=\"repository:auth/token:pull\"")));
        assertThat(viaProxy.listTags()).containsExactly("v1");
        assertThat(tokens.tokensIssued()).isEqualTo(before + 1);
      }
      // Wrong credentials: the token endpoint refuses, and the error says so.
      RegistryOptions mallory = ANONYMOUS.withCredentials(CredentialSource.of(Map.of(registry.hostPort(), new Credentials("bob", "guess"))));
      try (ImageStore store = ImageStores.open(registry.reference("auth/token"), mallory)) {
        assertThatThrownBy(() -> store.getManifest("v1"))
            .isInstanceOfSatisfying(RegistryException.class, e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.UNAUTHORIZED);
              assertThat(e.getMessage()).contains("token endpoint").doesNotContain("guess");
            });
      }
    }
  }

  @Test
  void tlsWithASelfSignedCaIsTrustedOnlyWithTheCa() throws Exception {
    TestImage image = TestImage.random(tmp, 33, 5000);
    TestTls tls = TestTls.generate(tmp.resolve("tls"));
    try (RegistryServer registry = RegistryServer.builder().tls(tls).start()) {
      // On loopback the client tries TLS first and falls back to plain HTTP only for a server that
      // does not speak TLS; a TLS server must pass verification.
      RegistryOptions withCa = ANONYMOUS.withCaBundle(tls.caCertificate());
      try (ImageStore store = ImageStores.open(registry.reference("tls/image"), withCa)) {
        Digest digest = image.push(store, "v1");
        assertThat(store.getManifest("v1").digest()).isEqualTo(digest);
        assertThat(store.readBlobRange(image.layerDigest(0), 10, 1000)).isEqualTo(Arrays.copyOfRange(image.layers().getFirst(), 10, 1010));
        try (InputStream in = store.openBlob(image.layerDigest(0))) {
          assertThat(in.readAllBytes()).isEqualTo(image.layers().getFirst());
        }
        // Go's server offers h2 over TLS, and the client takes it.
        assertThat(((RemoteStore) store).protocol()).isEqualTo("h2");
      }
      try (ImageStore store = ImageStores.open(registry.reference("tls/image"), ANONYMOUS)) {
        assertThatThrownBy(() -> store.getManifest("v1"))
            .isInstanceOfSatisfying(RegistryException.class, e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.TLS);
              assertThat(e.getMessage()).contains("CA");
            });
      }
    }
  }

  @Test
  void theCaCanComeFromContainerdsHostsDirectory() throws Exception {
    TestImage image = TestImage.random(tmp, 34, 5000);
    TestTls tls = TestTls.generate(tmp.resolve("tls-hosts"));
    try (RegistryServer registry = RegistryServer.builder().tls(tls).start()) {
      // hosts.toml's ca, and Docker's certificate files (a .crt beside no hosts.toml), as containerd reads them.
      Path withToml = Files.createDirectories(tmp.resolve("certs.d-toml").resolve(registry.hostPort()));
      Files.copy(tls.caCertificate(), withToml.resolve("registry-ca.pem"));
      Files.writeString(withToml.resolve("hosts.toml"), "server = \"https://" + registry.hostPort() + "\"\nca = \"registry-ca.pem\"\n");
      Path dockerStyle = Files.createDirectories(tmp.resolve("certs.d-docker").resolve(registry.hostPort()));
      Files.copy(tls.caCertificate(), dockerStyle.resolve("ca.crt"));
      Digest digest;
      try (ImageStore store = ImageStores.open(registry.reference("tls/hosts"), ANONYMOUS.withHostsDirectory(withToml.getParent()))) {
        digest = image.push(store, "v1");
      }
      try (ImageStore store = ImageStores.open(registry.reference("tls/hosts"), ANONYMOUS.withHostsDirectory(dockerStyle.getParent()))) {
        assertThat(store.getManifest("v1").digest()).isEqualTo(digest);
        assertThat(store.readBlobRange(image.layerDigest(0), 10, 1000)).isEqualTo(Arrays.copyOfRange(image.layers().getFirst(), 10, 1010));
      }
    }
  }
}
