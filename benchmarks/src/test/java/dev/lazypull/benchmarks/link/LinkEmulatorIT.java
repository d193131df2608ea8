package dev.lazypull.benchmarks.link;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lazypull.oci.Digest;
import dev.lazypull.registry.ImageStore;
import dev.lazypull.registry.ImageStores;
import dev.lazypull.registry.RegistryOptions;
import dev.lazypull.testkit.registry.RegistryServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The emulator in front of the real registry, as the pull-time harness uses it: a blob download
 * through it runs near the configured rate and never above it, and requests pay the RTT. Loose
 * bounds (shared machine); this checks the emulator, it does not time lazypull.
 */
class LinkEmulatorIT {
  @Test
  void aBlobDownloadFromTheRegistryRunsAtTheLinkRate() throws Exception {
    RegistryServer registry = RegistryServer.shared();
    byte[] blob = new byte[12 << 20];
    new Random(7).nextBytes(blob);
    Digest digest = Digest.sha256(blob);
    try (ImageStore store = ImageStores.open(registry.reference("linkcheck/blob:v1"), RegistryOptions.defaults())) {
      store.putBlob(digest, blob);
    }
    LinkProfile profile = LinkProfile.parse("160mbit", "20ms");
    try (LinkEmulator link = LinkEmulator.start(new InetSocketAddress("127.0.0.1", registry.port()), profile)) {
      String base = "http://" + link.hostPort() + "/v2/";
      LinkProbe.Measurement m = LinkProbe.measure(URI.create(base), URI.create(base + "linkcheck/blob/blobs/" + digest));
      System.out.println("link " + profile + " in front of docker-registry: " + m);
      assertThat(m.bytes()).isGreaterThan(blob.length - 70_000L);
      assertThat(m.megabitsPerSecond()).isBetween(0.5 * 160, 1.1 * 160);
      assertThat(m.rtt()).isBetween(Duration.ofMillis(20), Duration.ofMillis(20 + 150));
    }
  }
}
