package dev.lazypull.registry.hosts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lazypull.registry.http.TlsSettings;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostsFileTest {
  @TempDir Path dir;

  private Path write(String namespace, String toml) throws IOException {
    Path f = Files.createDirectories(dir.resolve(namespace)).resolve("hosts.toml");
    Files.writeString(f, toml);
    return f;
  }

  @Test
  void mirrorsComeFirstInFileOrderAndTheServerLast() throws IOException {
    Files.writeString(Files.createDirectories(dir.resolve("docker.io")).resolve("mirror.crt"), "x");
    write("docker.io", """
        server = "https://registry-1.docker.io"

        [host."https://public-mirror.example.com"]
          capabilities = ["pull"]
        [host."https://docker-mirror.internal/cache/"]
          capabilities = ["pull", "resolve"]
          ca = "mirror.crt"
          [host."https://docker-mirror.internal/cache/".header]
            x-team = ["a", "b"]
        [host."http://10.0.0.1:5000/v2/upstream"]
          override_path = true
          skip_verify = true
        """);
    List<RegistryHost> hosts = new HostsDirectory(dir).hostsFor("docker.io", TlsSettings.DEFAULT);
    assertThat(hosts).extracting(RegistryHost::apiRoot).containsExactly(
        URI.create("https://public-mirror.example.com/v2"),
        URI.create("https://docker-mirror.internal/cache/v2"),
        URI.create("http://10.0.0.1:5000/v2/upstream"),
        URI.create("https://registry-1.docker.io/v2"));
    assertThat(hosts).extracting(RegistryHost::mirror).containsExactly(true, true, true, false);
    assertThat(hosts.get(0).capabilities()).containsExactly(HostCapability.PULL);
    assertThat(hosts.get(1).capabilities()).containsExactlyInAnyOrder(HostCapability.PULL, HostCapability.RESOLVE);
    assertThat(hosts.get(1).tls().extraCaFiles()).containsExactly(dir.resolve("docker.io/mirror.crt"));
    assertThat(hosts.get(1).headers()).isEqualTo(Map.of("x-team", List.of("a", "b")));
    assertThat(hosts.get(2).tls().skipVerify()).isTrue();
    assertThat(hosts.get(3).capabilities()).isEqualTo(Set.of(HostCapability.values()));
    assertThat(hosts.get(3).tls().skipVerify()).isFalse();
  }

  @Test
  void withoutServerTheRegistryItselfIsTheFallbackAndDefaultAppliesToOthers() throws IOException {
    write("_default", """
        [host."https://registry.example.com"]
          capabilities = ["pull", "resolve"]
        """);
    List<RegistryHost> hosts = new HostsDirectory(dir).hostsFor("quay.io", TlsSettings.DEFAULT);
    assertThat(hosts).hasSize(2);
    assertThat(hosts.getLast().apiRoot()).isNull();
    assertThat(hosts.getLast().can(HostCapability.PUSH)).isTrue();
  }

  @Test
  void aPortIsLookedUpAsContainerdDoesAndNoFileMeansTheRegistryAlone() throws IOException {
    write("myregistry.io:5000", "[host.\"https://b\"]\n");
    write("myregistry.io_5000_", "[host.\"https://a\"]\n");
    HostsDirectory hd = new HostsDirectory(dir);
    assertThat(hd.hostsFor("myregistry.io:5000", TlsSettings.DEFAULT).getFirst().apiRoot()).isEqualTo(URI.create("https://a/v2"));
    assertThat(hd.hostsFor("other.io", TlsSettings.DEFAULT)).containsExactly(RegistryHost.defaultUpstream(TlsSettings.DEFAULT));
    assertThat(new HostsDirectory(dir.resolve("missing")).hostsFor("other.io", TlsSettings.DEFAULT)).hasSize(1);
    assertThat(hd.fileFor("../etc")).isNull();
  }

  @Test
  void theGlobalCaBundleStaysAndTheServersCaIsAdded() throws IOException {
    Path global = Files.writeString(dir.resolve("global.pem"), "x");
    Files.writeString(Files.createDirectories(dir.resolve("r.io")).resolve("ca.pem"), "x");
    write("r.io", "ca = [\"ca.pem\"]\n");
    RegistryHost only = new HostsDirectory(dir).hostsFor("r.io", TlsSettings.withCaBundle(global)).getFirst();
    assertThat(only.tls().extraCaFiles()).containsExactly(global, dir.resolve("r.io/ca.pem"));
  }

  @Test
  void badFilesAreRejectedNamingTheFileAndField() throws IOException {
    Path f = write("a.io", "[host.\"https://m\"]\n  capabilities = [\"pull\", \"fly\"]\n");
    assertThatThrownBy(() -> HostsFile.parse(f, "a.io", TlsSettings.DEFAULT))
        .hasMessageContaining(f.toString()).hasMessageContaining("fly");
    Path g = write("b.io", "[host.\"ftp://m\"]\n");
    assertThatThrownBy(() -> HostsFile.parse(g, "b.io", TlsSettings.DEFAULT)).hasMessageContaining("http or https");
    Path h = write("c.io", "[host.\"https://m\"]\n  ca = \"missing.pem\"\n");
    assertThatThrownBy(() -> HostsFile.parse(h, "c.io", TlsSettings.DEFAULT)).hasMessageContaining("missing.pem");
    Path i = write("d.io", "skip_verify = \"yes\"\n");
    assertThatThrownBy(() -> HostsFile.parse(i, "d.io", TlsSettings.DEFAULT)).hasMessageContaining("skip_verify");
    Path j = write("e.io", "server = [\n");
    assertThatThrownBy(() -> HostsFile.parse(j, "e.io", TlsSettings.DEFAULT)).hasMessageContaining(j.toString());
  }
}
