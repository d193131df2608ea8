package dev.lazypull.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lazypull.agent.control.ControlClient;
import dev.lazypull.agent.control.ControlReply;
import dev.lazypull.agent.control.ControlRequest;
import dev.lazypull.agent.mounts.MountRegistry;
import dev.lazypull.builder.image.ConvertOptions;
import dev.lazypull.builder.image.ImageConverter;
import dev.lazypull.builder.progress.Progress;
import dev.lazypull.format.toc.FrameTable;
import dev.lazypull.format.toc.LayerToc;
import dev.lazypull.format.toc.TocWriter;
import dev.lazypull.fuse.sys.MountTable;
import dev.lazypull.oci.Digest;
import dev.lazypull.registry.RegistryOptions;
import dev.lazypull.registry.layout.OciLayoutStore;
import dev.lazypull.testkit.images.Commands;
import dev.lazypull.testkit.images.HostileImages;
import dev.lazypull.testkit.images.TarWriter;
import dev.lazypull.testkit.images.TestEntry;
import dev.lazypull.testkit.images.TestLayout;
import dev.lazypull.testkit.registry.RegistryServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults stay with their image: through one running agent, a good image is mounted and read, then
 * hostile images (correctly pinned, replaced TOCs) are mounted beside it. Those that cannot be
 * served are refused with the layer and the check named and counted; one whose frame table lies
 * in a way only a read shows is mounted and fails those reads with EIO. All the while the good
 * image keeps serving its bytes, and the agent its requests.
 */
class HostileImageAgentIT {
  private static final String REPO = "agent/hostile";
  @TempDir static Path work;
  private static Agent agent;
  private static AgentPaths paths;
  private static byte[] big;
  private static String good;

  @BeforeAll
  static void startAgent() throws IOException {
    Random random = new Random(11);
    big = new byte[3 << 20];
    random.nextBytes(big);
    Path source = work.resolve("source");
    TestLayout.writeImage(source, "src", TestLayout.Compression.GZIP,
        TarWriter.tar(TestEntry.dir("data"), TestEntry.file("data/hello", "hello\n"), TestEntry.file("data/big", big)));
    Path lazy = work.resolve("lazy");
    Files.createDirectories(work.resolve("convert"));
    try (OciLayoutStore from = OciLayoutStore.open(source); OciLayoutStore to = OciLayoutStore.openOrCreate(lazy)) {
      new ImageConverter(from, to, ConvertOptions.defaults().withWorkDir(work.resolve("convert")), Progress.silent())
          .convert("src", "good");
    }
    byte[] frame = HostileImages.tocFrame(lazy, "good", 0);
    LayerToc toc = LayerToc.read(frame, Digest.sha256(frame), Digest.sha256(new byte[0]));
    int bigFrame = toc.frames().frameAt(dataOffset(toc, "data/big"));
    HostileImages.withToc(lazy, "good", "past-the-blob", 0, rewritten(toc, bigFrame, 2_000_000_000, 0));
    HostileImages.withToc(lazy, "good", "absurd-uncompressed", 0, rewritten(toc, bigFrame, 0, 1_500_000_000));
    HostileImages.withToc(lazy, "good", "wrong-length", 0,
        rewritten(toc, bigFrame, 0, toc.frames().uncompressedLength(bigFrame) + 4096));
    RegistryServer registry = RegistryServer.shared();
    for (String tag : List.of("good", "past-the-blob", "absurd-uncompressed", "wrong-length")) {
      Commands.run(300, "skopeo", "copy", "-q", "--preserve-digests", "--dest-tls-verify=false",
          "oci:" + lazy + ":" + tag, "docker://" + registry.reference(REPO + ":" + tag));
    }
    good = registry.reference(REPO + ":good");
    paths = new AgentPaths(work.resolve("root"), work.resolve("run"));
    agent = Agent.start(new AgentConfig(paths, 1L << 30, 64L << 20, null, false, RegistryOptions.defaults()));
  }

  @AfterAll
  static void stop() {
    if (agent != null) {
      agent.close();
    }
  }

  @Test
  void aHostileImageBesideAGoodOneNeverStopsTheGoodOneServing() throws Exception {
    Path goodDir = Files.createDirectories(work.resolve("mnt-good"));
    ok(new ControlRequest.Mount(good, goodDir, List.of(), null));
    try {
      assertThat(Files.readAllBytes(goodDir.resolve("data/big"))).isEqualTo(big);
      for (String tag : List.of("past-the-blob", "absurd-uncompressed")) {
        Path dir = Files.createDirectories(work.resolve("mnt-" + tag));
        String refused = error(new ControlRequest.Mount(RegistryServer.shared().reference(REPO + ":" + tag), dir, List.of(), null));
        assertThat(refused).contains("TOC of layer sha256:").containsAnyOf("runs past the frames' end", "is out of range");
        assertThat(MountTable.at(dir)).as("nothing mounted for " + tag).isEmpty();
        assertThat(new String(Files.readAllBytes(goodDir.resolve("data/hello")))).isEqualTo("hello\n");
      }
      Path liarDir = Files.createDirectories(work.resolve("mnt-wrong-length"));
      ok(new ControlRequest.Mount(RegistryServer.shared().reference(REPO + ":wrong-length"), liarDir, List.of(), null));
      try {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Files.readAllBytes(liarDir.resolve("data/big")))
            .hasMessageContaining("Input/output error");
        assertThat(Files.readAllBytes(goodDir.resolve("data/big"))).isEqualTo(big);
        JsonNode liar = ok(new ControlRequest.Stats(liarDir));
        assertThat(liar.get("readErrors").asLong()).isPositive();
        assertThat(liar.get("fetchTimeouts").asLong()).isZero();
      } finally {
        ok(new ControlRequest.Umount(liarDir));
      }
      JsonNode goodStats = ok(new ControlRequest.Stats(goodDir));
      assertThat(goodStats.get("readErrors").asLong()).isZero();
      assertThat(agent.mounts().refusals().get(MountRegistry.Refusal.INVALID_IMAGE)).isEqualTo(2);
      assertThat(ok(new ControlRequest.Stats(null)).get("mountsRefused").get("invalid_image").asLong()).isEqualTo(2);
    } finally {
      ok(new ControlRequest.Umount(goodDir));
    }
  }

  private static JsonNode ok(ControlRequest request) throws IOException {
    ControlReply reply = ControlClient.send(paths.controlSocket(), request);
    assertThat(reply).as("%s", request).isInstanceOf(ControlReply.Ok.class);
    return ((ControlReply.Ok) reply).result();
  }

  private static String error(ControlRequest request) throws IOException {
    ControlReply reply = ControlClient.send(paths.controlSocket(), request);
    assertThat(reply).as("%s", request).isInstanceOf(ControlReply.Error.class);
    return ((ControlReply.Error) reply).message();
  }

  private static long dataOffset(LayerToc toc, String path) {
    for (int i = 0; i < toc.entryCount(); i++) {
      if (toc.path(i).equals(path)) {
        return toc.dataOffset(i);
      }
    }
    throw new AssertionError(path);
  }

  /** {@code toc} rewritten with frame {@code frame}'s compressed or uncompressed length replaced (0: kept). */
  private static byte[] rewritten(LayerToc toc, int frame, int compressed, int uncompressed) {
    TocWriter w = new TocWriter();
    FrameTable f = toc.frames();
    for (int i = 0; i < f.size(); i++) {
      w.addFrame(i == frame && compressed > 0 ? compressed : f.compressedLength(i),
          i == frame && uncompressed > 0 ? uncompressed : f.uncompressedLength(i), f.digest(i).raw());
    }
    for (int i = 0; i < toc.entryCount(); i++) {
      w.addEntry(toc.entry(i), toc.dataOffset(i));
    }
    return w.toSkippableFrame(3);
  }
}
