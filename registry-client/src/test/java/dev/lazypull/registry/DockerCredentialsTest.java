package dev.lazypull.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DockerCredentialsTest {
  @TempDir Path tmp;

  private Path config(String json) throws IOException {
    return Files.writeString(tmp.resolve("config.json"), json);
  }

  private static String auth(String userColonPassword) {
    return Base64.getEncoder().encodeToString(userColonPassword.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void readsAuthsAsDockerLoginWritesThem() throws IOException {
    Path config = config("{\"auths\":{\"registry.example:5000\":{\"auth\":\"" + auth("alice:pa:ss") + "\"},"
        + "\"https://index.docker.io/v1/\":{\"auth\":\"" + auth("hub:secret") + "\"},"
        + "\"https://ghcr.io\":{\"username\":\"bob\",\"password\":\"tok\"}}}");
    CredentialSource source = DockerCredentials.fromDockerConfig(config);
    assertThat(source.forRegistry("registry.example:5000")).contains(new Credentials("alice", "pa:ss"));
    assertThat(source.forRegistry(ImageRef.DOCKER_HUB)).contains(new Credentials("hub", "secret"));
    assertThat(source.forRegistry("ghcr.io")).contains(new Credentials("bob", "tok"));
    assertThat(source.forRegistry("other.example")).isEmpty();
  }

  @Test
  void missingConfigMeansAnonymous() throws IOException {
    assertThat(DockerCredentials.fromDockerConfig(tmp.resolve("none.json")).forRegistry("x.example")).isEmpty();
  }

  @Test
  void credentialHelpersComeFirstAndTheirSilenceFallsBackToAuths() throws IOException {
    Path helpers = Files.createDirectories(tmp.resolve("bin"));
    // A helper as docker's are: the server on stdin, JSON on stdout, non-zero when it has nothing.
    helper(helpers, "pass", """
        read server
        if [ "$server" = "registry.example" ]; then
          printf '{"ServerURL":"%s","Username":"helper-user","Secret":"helper-secret"}' "$server"
        else
          echo "credentials not found in native keychain"; exit 1
        fi
        """);
    Path config = config("{\"credsStore\":\"pass\",\"auths\":{\"fallback.example\":{\"auth\":\"" + auth("u:p") + "\"}}}");
    CredentialSource source = DockerCredentials.fromDockerConfig(config, helpers);
    assertThat(source.forRegistry("registry.example")).contains(new Credentials("helper-user", "helper-secret"));
    assertThat(source.forRegistry("fallback.example")).contains(new Credentials("u", "p"));
  }

  @Test
  void errorsNeverQuoteSecrets() throws IOException {
    Path broken = config("{\"auths\":{\"r.example\":{\"auth\":\"not base64 s3cret!\"}}}");
    assertThatThrownBy(() -> DockerCredentials.fromDockerConfig(broken).forRegistry("r.example"))
        .hasMessageContaining("r.example").hasMessageNotContaining("s3cret");
    Path notJson = config("{\"auths\": s3cret");
    assertThatThrownBy(() -> DockerCredentials.fromDockerConfig(notJson).forRegistry("r.example"))
        .hasMessageContaining("config.json").hasMessageNotContaining("s3cret");
    Path badHelper = config("{\"credHelpers\":{\"r.example\":\"../../bin/sh\"}}");
    assertThatThrownBy(() -> DockerCredentials.fromDockerConfig(badHelper).forRegistry("r.example"))
        .hasMessageContaining("not a plain program name");
  }

  @Test
  void keysAreMatchedByHost() {
    assertThat(DockerCredentials.hostOf("https://index.docker.io/v1/")).isEqualTo("docker.io");
    assertThat(DockerCredentials.hostOf("http://127.0.0.1:5000/v2/")).isEqualTo("127.0.0.1:5000");
    assertThat(DockerCredentials.hostOf("ghcr.io")).isEqualTo("ghcr.io");
  }

  private static void helper(Path dir, String name, String body) throws IOException {
    Path script = dir.resolve("docker-credential-" + name);
    Files.writeString(script, "#!/bin/sh\n" + body);
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
  }
}
