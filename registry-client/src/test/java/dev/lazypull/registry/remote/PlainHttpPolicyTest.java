package dev.lazypull.registry.remote;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lazypull.registry.http.Origin;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PlainHttpPolicyTest {
  private static boolean allowed(String host, int port, Set<String> insecure) {
    return RemoteRepositories.plainHttpAllowed(new Origin("http", host, port), insecure);
  }

  @Test
  void loopbackIsAllowedEverythingElseOnlyWhenListed() {
    assertThat(allowed("127.0.0.1", 5000, Set.of())).isTrue();
    assertThat(allowed("127.3.2.1", 80, Set.of())).isTrue();
    assertThat(allowed("::1", 5000, Set.of())).isTrue();
    assertThat(allowed("localhost", 5000, Set.of())).isTrue();
    assertThat(allowed("10.0.0.5", 5000, Set.of())).isFalse();
    assertThat(allowed("registry.example", 443, Set.of())).isFalse();
    assertThat(allowed("localhost.example", 80, Set.of())).isFalse();
    assertThat(allowed("registry.example", 5000, Set.of("registry.example:5000"))).isTrue();
    assertThat(allowed("registry.example", 5001, Set.of("registry.example:5000"))).isFalse();
    assertThat(allowed("10.0.0.5", 80, Set.of("10.0.0.5"))).isTrue();
  }
}
