package dev.lazypull.benchmarks.pulltime;

import dev.lazypull.benchmarks.link.LinkEmulator;
import dev.lazypull.benchmarks.link.LinkProbe;
import dev.lazypull.benchmarks.link.LinkProfile;
import dev.lazypull.oci.Descriptor;
import dev.lazypull.oci.OciJson;
import dev.lazypull.registry.ImageStore;
import dev.lazypull.registry.ImageStores;
import dev.lazypull.registry.ManifestBytes;
import dev.lazypull.registry.RegistryOptions;
import dev.lazypull.testkit.registry.RegistryServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Comparator;
import java.util.List;

/**
 * What one trial measures against: a real registry (docker-registry on loopback) holding the
 * test images, both the originals and their lazy conversions, behind the link emulator. Both
 * methods reach the registry only through the emulator, so they pay the same link. Images are
 * pushed straight into the registry (not through the link): that is the CI side, not measured.
 */
public final class Testbed implements AutoCloseable {
  private final RegistryServer registry;
  private final LinkEmulator link;
  private final LinkProbe.Measurement measured;

  private Testbed(RegistryServer registry, LinkEmulator link, LinkProbe.Measurement measured) {
    this.registry = registry;
    this.link = link;
    this.measured = measured;
  }

  public static Testbed start(LinkProfile profile, List<BenchImage> images) throws IOException, InterruptedException {
    RegistryServer registry = RegistryServer.builder().start();
    try {
      for (BenchImage image : images) {
        push(image.sourceLayoutRef(), registry.reference(image.repository() + ":source"));
        push(image.lazyLayoutRef(), registry.reference(image.repository() + ":lazy"));
      }
      LinkEmulator link = LinkEmulator.start(new InetSocketAddress("127.0.0.1", registry.port()), profile);
      BenchImage largest = images.getLast();
      Descriptor blob = largestLayer(registry.reference(largest.repository()), "source");
      String base = "http://" + link.hostPort() + "/v2/";
      LinkProbe.Measurement m = LinkProbe.measure(URI.create(base), URI.create(base + largest.repository() + "/blobs/" + blob.digest()));
      System.out.println("link " + profile + " through the emulator: " + m);
      return new Testbed(registry, link, m);
    } catch (IOException | InterruptedException | RuntimeException e) {
      registry.close();
      throw e;
    }
  }

  /** skopeo, the standard tool, copies each image as it is (digests kept). */
  public static void push(String layoutRef, String target) throws IOException, InterruptedException {
    Commands.run("skopeo", "copy", "--quiet", "--preserve-digests", "--dest-tls-verify=false", layoutRef, "docker://" + target);
  }

  private static Descriptor largestLayer(String repository, String tag) throws IOException {
    try (ImageStore store = ImageStores.open(repository + ":" + tag, RegistryOptions.defaults())) {
      ManifestBytes m = store.getManifest(tag);
      return OciJson.parseManifest(m.bytes(), m.mediaType()).layers().stream().max(Comparator.comparingLong(Descriptor::size)).orElseThrow();
    }
  }

  /** {@code 127.0.0.1:PORT/bench/NAME:TAG} through the emulated link. */
  public String reference(BenchImage image, String tag) {
    return link.hostPort() + "/" + image.repository() + ":" + tag;
  }

  /** Bytes the link has carried from the registry to its clients so far (see {@link LinkEmulator#bytesDownstream}). */
  public long bytesDownstream() {
    return link.bytesDownstream();
  }

  /** {@code 127.0.0.1:PORT}, the registry as clients see it through the link. */
  public String registryHost() {
    return link.hostPort();
  }

  public LinkProbe.Measurement measuredLink() {
    return measured;
  }

  @Override
  public void close() throws IOException {
    try {
      link.close();
    } finally {
      registry.close();
    }
  }
}
