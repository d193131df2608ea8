package dev.lazypull.lazyfs.mount;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lazypull.lazyfs.stats.ReadStat;
import dev.lazypull.oci.Descriptor;
import dev.lazypull.oci.Digest;
import dev.lazypull.oci.OciJson;
import dev.lazypull.registry.ImageStore;
import dev.lazypull.registry.ImageStores;
import dev.lazypull.registry.ManifestBytes;
import dev.lazypull.registry.RegistryOptions;
import dev.lazypull.testkit.images.TestEntry;
import dev.lazypull.testkit.registry.FaultProxy;
import dev.lazypull.testkit.registry.RegistryServer;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node's pull-through cache, configured as containerd would be told of it: Debian's
 * docker-registry in proxy mode in front of another docker-registry, named as a mirror in a
 * hosts.toml. Mounts read through the mirror (range requests answered by it, none reaching the
 * upstream from us), and once the mirror is stopped the same reads go to the upstream.
 */
class MirrorIT {
  private static final String REPO = "snapshotter/mirror";
  @TempDir Path work;

  @Test
  void readsGoThroughThePullThroughCacheAndFallBackToTheUpstreamWhenItStops() throws Exception {
    byte[] first = random(3 << 20, 1);
    byte[] second = random(3 << 20, 2);
    Path layout = work.resolve("layout");
    TestImages.writeLayout(layout, "src", List.of(List.of(TestEntry.dir("data"),
        TestEntry.file("data/first", first), TestEntry.file("data/second", second))));

    RegistryServer registry = RegistryServer.shared();
    try (FaultProxy upstream = FaultProxy.start(registry.hostPort())) {
      try (ImageStore direct = ImageStores.open(upstream.hostPort() + "/" + REPO, RegistryOptions.defaults().withHostsDirectory(null))) {
        TestImages.convert(layout, "src", direct, "lazy", work.resolve("convert"));
      }
      RegistryServer mirror = RegistryServer.builder()
          .pullThroughCacheOf(URI.create("http://" + upstream.hostPort())).accessLog().start();
      try {
        Path hostsDir = work.resolve("certs.d");
        Files.createDirectories(hostsDir.resolve(upstream.hostPort()));
        Files.writeString(hostsDir.resolve(upstream.hostPort()).resolve("hosts.toml"), """
            # no server: the image's own registry is the fallback
            [host."http://%s"]
              capabilities = ["pull", "resolve"]
            """.formatted(mirror.hostPort()));
        RegistryOptions options = RegistryOptions.defaults().withHostsDirectory(hostsDir);

        // A whole-blob stream (what convert reads) comes through the mirror, verified. It also
        // fills the mirror's cache: while docker-registry is still copying a blob from its
        // upstream it answers range requests for it with 200 or 500, and a node's mirror is warm.
        Descriptor layer;
        try (ImageStore store = ImageStores.open(upstream.hostPort() + "/" + REPO, options)) {
          ManifestBytes mb = store.getManifest("lazy");
          layer = OciJson.parseManifest(mb.bytes(), mb.mediaType()).layers().getFirst();
          try (InputStream in = store.openBlob(layer.digest())) {
            assertThat(Digest.sha256(in.readAllBytes())).isEqualTo(layer.digest());
          }
        }
        awaitCached(mirror, layer.digest(), upstream.hostPort());
        int before = upstream.requests().size();

        try (ImageStore store = ImageStores.open(upstream.hostPort() + "/" + REPO, options);
            ImageMount m = ImageMount.open(store, "lazy", Files.createDirectories(work.resolve("mnt-mirror")),
                MountSettings.defaults(null))) {
          assertThat(Files.readAllBytes(m.mountPoint().resolve("data/first"))).isEqualTo(first);
          assertThat(m.stats().snapshot().get(ReadStat.READ_ERRORS)).isZero();
        }
        assertThat(ourRequests(upstream, before)).as("nothing of ours reached the upstream while the mirror served").isEmpty();
        assertThat(mirror.log()).as("the mirror answered range requests for the layer")
            .containsPattern("\"GET /v2/" + REPO + "/blobs/sha256:[0-9a-f]{64}\\?ns=[^ ]+ HTTP/1.1\" 206 ");
      } finally {
        mirror.close();
      }

      // The mirror is gone (connection refused): a new mount resolves and reads from the upstream.
      RegistryOptions options = RegistryOptions.defaults().withHostsDirectory(work.resolve("certs.d"));
      int before = upstream.requests().size();
      try (ImageStore store = ImageStores.open(upstream.hostPort() + "/" + REPO, options);
          ImageMount m = ImageMount.open(store, "lazy", Files.createDirectories(work.resolve("mnt-upstream")),
              MountSettings.defaults(null))) {
        assertThat(Files.readAllBytes(m.mountPoint().resolve("data/second"))).isEqualTo(second);
        assertThat(m.stats().snapshot().get(ReadStat.READ_ERRORS)).isZero();
      }
      assertThat(ourRequests(upstream, before)).as("range requests reached the upstream once the mirror stopped")
          .anySatisfy(r -> {
            assertThat(r.target()).contains("/blobs/sha256:");
            assertThat(r.headers()).containsKey("range");
          });
    }
  }

  /** Waits until the mirror answers a range of the blob from its own storage (a 206). */
  private static void awaitCached(RegistryServer mirror, Digest blob, String upstream) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    HttpRequest range = HttpRequest.newBuilder(URI.create("http://" + mirror.hostPort() + "/v2/" + REPO + "/blobs/" + blob
        + "?ns=" + upstream)).header("Range", "bytes=0-0").build();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    int status;
    do {
      status = http.send(range, HttpResponse.BodyHandlers.discarding()).statusCode();
      if (status != 206) {
        Thread.sleep(100);
      }
    } while (status != 206 && System.nanoTime() < deadline);
    assertThat(status).as("the mirror serves the blob from its cache").isEqualTo(206);
  }

  private static List<FaultProxy.Request> ourRequests(FaultProxy proxy, int from) {
    List<FaultProxy.Request> all = proxy.requests();
    return all.subList(from, all.size()).stream()
        .filter(r -> String.valueOf(r.headers().get("user-agent")).startsWith("lazypull/"))
        .filter(r -> r.target().contains("/blobs/") || r.target().contains("/manifests/"))
        .toList();
  }

  private static byte[] random(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }
}
