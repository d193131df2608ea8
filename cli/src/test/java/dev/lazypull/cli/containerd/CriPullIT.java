package dev.lazypull.cli.containerd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lazypull.testkit.containerd.ContainerdServer;
import dev.lazypull.testkit.cri.CriImageClient;
import dev.lazypull.testkit.images.DebianImages;
import dev.lazypull.testkit.registry.RegistryServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Kubernetes path: containerd's CRI plugin ({@code snapshotter = "lazypull"},
 * {@code disable_snapshot_annotations = false}) pulls the lazy python image for a CRI client as it
 * does for kubelet; the CRI's labels reach the snapshotter, no layer is downloaded, and the image
 * runs.
 */
class CriPullIT {
  private static Path work;
  private static AgentProcess agent;
  private static ContainerdServer containerd;
  private static String ref;
  private static String manifestDigest;
  private static List<String> layers;

  @BeforeAll
  static void start() throws Exception {
    RegistryServer registry = RegistryServer.shared();
    work = Files.createTempDirectory("lazypull-cri-it");
    LazyTestImage image = LazyTestImage.convert(DebianImages.PYTHON, registry.reference("agent/cri-python:lazy"), work.resolve("convert"));
    ref = image.ref();
    manifestDigest = image.manifestDigest();
    layers = image.layers();
    Path runDir = work.resolve("run");
    Path log = Files.createFile(work.resolve("agent.log"));
    agent = AgentProcess.start(work.resolve("agent"), runDir, log);
    Path socket = AgentProcess.socket(runDir);
    containerd = ContainerdServer.builder(work.resolve("containerd")).proxySnapshotter("lazypull", socket)
        .cri("lazypull").plainHttpRegistry(registry.hostPort()).start();
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      if (containerd != null) {
        containerd.close();
      }
    } finally {
      if (agent != null) {
        System.out.println("agent log:\n" + agent.log());
        agent.close();
      }
      LazyTestImage.unmountAndDelete(work);
    }
  }

  @Test
  void aKubeletStylePullIsLazyAndTheImageRuns() throws Exception {
    try (CriImageClient cri = new CriImageClient(containerd.socket())) {
      assertThat(cri.pullImage(ref)).startsWith("sha256:");
    }
    String ns = CriImageClient.NAMESPACE;
    List<String> content = LazyTestImage.contentDigests(containerd.ctrIn(ns, "content", "ls"));
    assertThat(content).as("blobs in containerd's content store after the CRI pull").doesNotContainAnyElementsOf(layers);

    // the CRI's labels reached the snapshotter: it opened the image pinned to the manifest digest they name
    assertThat(agent.log()).contains("@" + manifestDigest).doesNotContain("falls back");
    List<String> committed = containerd.ctrIn(ns, "snapshots", "--snapshotter", "lazypull", "ls").lines()
        .filter(l -> l.contains("Committed")).map(l -> l.split("\\s+")[0]).toList();
    assertThat(committed).hasSize(layers.size());
    for (String chain : committed) {
      assertThat(containerd.ctrIn(ns, "snapshots", "--snapshotter", "lazypull", "info", chain))
          .contains("containerd.io/snapshot/cri.image-ref", "containerd.io/snapshot/cri.layer-digest",
              "containerd.io/snapshot/cri.manifest-digest");
    }

    containerd.ctrIn(ns, "run", "--rm", "--snapshotter", "lazypull", ref, "cri-1", "python3", "-c", "import numpy");
  }
}
